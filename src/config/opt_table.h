/* opt_table.h - a command's options as one table: a row per option says how
 * it is spelled, what value it takes, where the value goes and what --help
 * says about it. One parser (opt_parse, over getopt_long) and one --help
 * printer (opt_print_help) serve every command's table, so an option is
 * written once instead of five times (enum, long_opts, switch, help text).
 *
 * A row stores into a field of the command's options struct, found by
 * offset (OPT_FIELD), after parsing the value by its kind with the strict
 * parsers of parse.h, so every bad value is refused the same way: the option
 * named, the value quoted, what was expected. Values that need more (a list,
 * a header, a file that must exist) have a check or a setter function.
 * Cross-option rules (-m with fresh mode, --warmup without -D or -n) are not
 * the table's business: each command validates after parsing.
 *
 * Adding a command's table is described in docs/design.md ("Adding a command
 * and its options"); run's table is config/run_options.c. */
#ifndef TLSPROF_OPT_TABLE_H
#define TLSPROF_OPT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPT_MAX_ROWS 96 /* rows per table, sections included */
#define OPT_MAX_BINDS 4 /* tables one command line is parsed over */

typedef enum opt_kind {
    OPT_SECTION,  /* not an option: a --help heading (help = "TLS:"), col = its column */
    OPT_FLAG,     /* no value; sets a bool field to true */
    OPT_UINT,     /* whole number in [umin, umax]; uint32_t or uint64_t field */
    OPT_NUMBER,   /* decimal number in [dmin, dmax]; double field */
    OPT_DURATION, /* "10", "250ms", "2m": seconds in [dmin, dmax]; double field */
    OPT_MSEC,     /* a duration in [dmin, dmax] seconds kept as whole ms; uint32_t field */
    OPT_SIZE,     /* "4096", "16k", "16KiB": bytes up to umax; uint64_t field */
    OPT_STRING,   /* the argument itself (borrowed from argv); const char * field */
    OPT_ENUM,     /* one of the '|'-separated words of metavar; stores the word's
                     index: an enum field (its constants in the same order) or a bool */
    OPT_CUSTOM,   /* the row's set function does the whole job */
    OPT_HELP,     /* -h, --help: print the command's help; opt_parse returns 1 */
} opt_kind;

struct opt_row;

/* What a check or set function is given. */
typedef struct opt_value {
    const struct opt_row *row; /* its range, metavar... */
    const char *opt; /* the option as messages name it: "--tls-min" (or "-n" without a long name) */
    const char *arg; /* the value as given */
    void *target;    /* the struct the table fills */
    void *field;     /* target + the row's offset */
} opt_value_t;

/* 0, or -1 with "OPT: expected ..., got '...'" (or as precise) in err. */
typedef int (*opt_fn)(const opt_value_t *v, char *err, size_t errlen);

typedef struct opt_row {
    const char *name; /* long name without "--"; NULL for a short-only option */
    char letter;      /* short name, 0 for none */
    opt_kind kind;
    const char
        *metavar; /* the value in --help: "N", "TIME", "fresh|pooled" (OPT_ENUM: the words) */
    size_t offset, size; /* the field: OPT_FIELD(type, member); none for OPT_CUSTOM/HELP/SECTION */
    uint64_t umin, umax; /* OPT_UINT range; OPT_SIZE maximum */
    double dmin, dmax;   /* OPT_NUMBER range; OPT_DURATION and OPT_MSEC range in seconds */
    const char *expect;  /* OPT_STRING: set to refuse an empty value as "OPT: expected EXPECT" */
    opt_fn check;        /* optional, before the value is stored: refuse it with a message */
    opt_fn set;          /* OPT_CUSTOM: parse and store the value */
    /* --help: the text right of the option; '\n' starts a continuation line,
     * indented to the text's column. NULL: the option is shown in another
     * row's label (--key in "--cert FILE --key FILE"), or it is --help
     * (OPT_HELP), which a usage line may mention instead. */
    const char *help;
    const char *label;   /* --help's left column instead of "--name METAVAR" */
    int col;             /* OPT_SECTION: the help column of its rows; any row: its own */
    const char *example; /* a value the option accepts, as the docs write it (tests parse it) */
} opt_row_t;

typedef struct opt_table {
    const char *usage;  /* --help: printed before the rows, as is */
    const char *footer; /* --help: printed after the rows, as is */
    const char *see;    /* where an unknown option's message points: "tlsprof --help" */
    int col;            /* the help text's column unless a section or row says otherwise */
    bool letter_column; /* long-only options are indented past the "-x, " column */
    size_t target_size; /* sizeof the struct the rows fill (every field must lie inside) */
    const opt_row_t *rows;
    size_t n_rows;
} opt_table_t;

#define OPT_FIELD(type, member)                                                                    \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define OPT_ROWS(array) .rows = (array), .n_rows = sizeof(array) / sizeof((array)[0])

/* One table and the struct its rows fill, for one parse. */
typedef struct opt_bind {
    const opt_table_t *table;
    void *target;
    bool given[OPT_MAX_ROWS]; /* out: rows[i] appeared on the command line */
} opt_bind_t;

/* Parse argv[1..argc-1] over the tables of binds[0..n-1], getopt_long's
 * way: options and other arguments in any order, "--" ends the options,
 * "-kq" clusters, "--name=value", unambiguous abbreviations of long names.
 * A name or letter in more than one table belongs to the first that has it,
 * so a command can put its own rows before a shared table's.
 * Returns 0 with *first_arg set: the other arguments, in order, are
 * argv[*first_arg..argc-1] (argv is permuted). Returns 1 when --help was
 * asked for: binds[0]'s help was printed to stdout. Returns -1 with a
 * message naming the option in err (the first bad one wins). */
int opt_parse(opt_bind_t *binds, size_t n, int argc, char **argv, int *first_arg, char *err,
              size_t errlen);

/* The table's --help text: usage, then every row (sections as headings,
 * options aligned at the column), then the footer. */
void opt_print_help(FILE *out, const opt_table_t *t);

/* Was the option with this long name on the command line? */
bool opt_given(const opt_bind_t *b, const char *name);
/* The row of a long name, or NULL. */
const opt_row_t *opt_find(const opt_table_t *t, const char *name);
/* How messages name a row: "--name", or "-x" without a long name. */
const char *opt_display_name(const opt_row_t *r, char *buf, size_t len);

/* Mistakes in a table that the compiler cannot see: a field size that does
 * not fit the kind, a range the field cannot hold, a value row without a
 * metavar, a field outside target_size, an option (but --help) without help
 * that no label names, names or letters used twice, too many rows. 0, or -1 with the row named in
 * err. */
int opt_table_check(const opt_table_t *t, char *err, size_t errlen);

#endif
