/* opt_table.c - the one option parser and --help printer behind every
 * command's table (opt_table.h).
 *
 * Parsing is getopt_long's, so the command line keeps the rules users know
 * (GNU permutation, clusters, --name=value, abbreviations); this file builds
 * getopt's arrays from the tables, stores each value by its row's kind, and
 * words the errors: "option -c needs a value", "unknown option '--frob' (see
 * tlsprof --help)", and the parsers' "--connections: expected a whole number
 * from 1 to 1000000, got 'abc'". */
#include "config/opt_table.h"

#include <getopt.h>
#include <string.h>

#include "config/parse.h"

/* getopt_long's val for a long option is this plus its index in the map;
 * below it, a val is a short option's letter. */
#define VAL_BASE 256

typedef struct opt_ref {
    const opt_row_t *row;
    opt_bind_t *bind;
} opt_ref_t;

static bool takes_value(opt_kind k)
{
    return k != OPT_SECTION && k != OPT_FLAG && k != OPT_HELP;
}

const char *opt_display_name(const opt_row_t *r, char *buf, size_t len)
{
    if (r->name)
        snprintf(buf, len, "--%s", r->name);
    else
        snprintf(buf, len, "-%c", r->letter);
    return buf;
}

const opt_row_t *opt_find(const opt_table_t *t, const char *name)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (t->rows[i].kind != OPT_SECTION && t->rows[i].name && !strcmp(t->rows[i].name, name))
            return &t->rows[i];
    return NULL;
}

bool opt_given(const opt_bind_t *b, const char *name)
{
    const opt_row_t *r = opt_find(b->table, name);
    return r && b->given[r - b->table->rows];
}

/* A whole number into a field of 1 (bool), 4 or 8 bytes (memcpy: the field
 * may be an enum, whose type is only size-compatible). */
static void put_uint(void *field, size_t size, uint64_t v)
{
    if (size == 1) {
        bool b = v != 0;
        memcpy(field, &b, 1);
    } else if (size == 4) {
        uint32_t u = (uint32_t)v;
        memcpy(field, &u, 4);
    } else {
        memcpy(field, &v, 8);
    }
}

/* The words of an OPT_ENUM metavar: "client|server|rst". Returns the index
 * of arg, or -1. */
static int enum_index(const char *words, const char *arg)
{
    int i = 0;
    for (const char *p = words;; i++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(arg) == n && !strncmp(p, arg, n)) return i;
        if (!bar) return -1;
        p = bar + 1;
    }
}

/* "fresh or pooled", "client, server or rst". */
static void enum_words(const char *words, char *out, size_t len)
{
    size_t w = 0;
    out[0] = 0;
    for (const char *p = words; *p && w + 1 < len;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        const char *sep = !bar ? "" : strchr(bar + 1, '|') ? ", " : " or ";
        int k = snprintf(out + w, len - w, "%.*s%s", (int)n, p, sep);
        if (k < 0 || (size_t)k >= len - w) break;
        w += (size_t)k;
        if (!bar) break;
        p = bar + 1;
    }
}

static int store(const opt_row_t *r, void *target, const char *arg, char *err, size_t errlen)
{
    char what[64];
    opt_display_name(r, what, sizeof what);
    void *field = (char *)target + r->offset;
    opt_value_t v = {r, what, arg, target, field};
    if (r->check && r->check(&v, err, errlen) < 0) return -1;
    uint64_t u;
    double d;
    switch (r->kind) {
    case OPT_FLAG:
        put_uint(field, r->size, 1);
        return 0;
    case OPT_UINT:
        if (parse_uint(what, arg, r->umin, r->umax, &u, err, errlen) < 0) return -1;
        put_uint(field, r->size, u);
        return 0;
    case OPT_SIZE:
        if (parse_size(what, arg, r->umax, &u, err, errlen) < 0) return -1;
        put_uint(field, r->size, u);
        return 0;
    case OPT_NUMBER:
        if (parse_double(what, arg, r->dmin, r->dmax, &d, err, errlen) < 0) return -1;
        memcpy(field, &d, sizeof d);
        return 0;
    case OPT_DURATION:
        if (parse_duration(what, arg, r->dmin, r->dmax, &d, err, errlen) < 0) return -1;
        memcpy(field, &d, sizeof d);
        return 0;
    case OPT_MSEC:
        if (parse_duration(what, arg, r->dmin, r->dmax, &d, err, errlen) < 0) return -1;
        put_uint(field, r->size, (uint64_t)(d * 1000 + 0.5));
        return 0;
    case OPT_STRING:
        if (r->expect && !*arg) {
            snprintf(err, errlen, "%s: expected %s", what, r->expect);
            return -1;
        }
        memcpy(field, &arg, sizeof arg);
        return 0;
    case OPT_ENUM: {
        int i = enum_index(r->metavar, arg);
        if (i < 0) {
            char words[256];
            enum_words(r->metavar, words, sizeof words);
            snprintf(err, errlen, "%s: expected %s, got '%s'", what, words, arg);
            return -1;
        }
        put_uint(field, r->size, (uint64_t)i);
        return 0;
    }
    case OPT_CUSTOM:
        return r->set(&v, err, errlen);
    case OPT_SECTION:
    case OPT_HELP:
        break;
    }
    snprintf(err, errlen, "%s: internal error: row of kind %d stores nothing", what, (int)r->kind);
    return -1;
}

static bool long_taken(const struct option *longs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(longs[i].name, name)) return true;
    return false;
}

int opt_parse(opt_bind_t *binds, size_t n, int argc, char **argv, int *first_arg, char *err,
              size_t errlen)
{
    struct option longs[OPT_MAX_BINDS * OPT_MAX_ROWS + 1];
    opt_ref_t refs[OPT_MAX_BINDS * OPT_MAX_ROWS];
    char shorts[2 + 2 * OPT_MAX_BINDS * OPT_MAX_ROWS] = ":"; /* ':' reports missing values */
    size_t nl = 0, nr = 0, ns = 1;
    if (n > OPT_MAX_BINDS) {
        snprintf(err, errlen, "internal error: more than %d option tables", OPT_MAX_BINDS);
        return -1;
    }
    for (size_t b = 0; b < n; b++) {
        const opt_table_t *t = binds[b].table;
        memset(binds[b].given, 0, sizeof binds[b].given);
        if (t->n_rows > OPT_MAX_ROWS) {
            snprintf(err, errlen, "internal error: option table with %zu rows", t->n_rows);
            return -1;
        }
        for (size_t i = 0; i < t->n_rows; i++) {
            const opt_row_t *r = &t->rows[i];
            if (r->kind == OPT_SECTION) continue;
            refs[nr] = (opt_ref_t){r, &binds[b]};
            if (r->name && !long_taken(longs, nl, r->name))
                longs[nl++] =
                    (struct option){r->name, takes_value(r->kind) ? required_argument : no_argument,
                                    NULL, VAL_BASE + (int)nr};
            if (r->letter && !memchr(shorts + 1, r->letter, ns - 1)) {
                shorts[ns++] = r->letter;
                if (takes_value(r->kind)) shorts[ns++] = ':';
            }
            nr++;
        }
    }
    longs[nl] = (struct option){0, 0, 0, 0};
    shorts[ns] = 0;

    /* optind 0 makes glibc start afresh (a previous parse may have stopped
     * inside a cluster such as "-kZ"); opterr 0: the messages are ours. */
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == ':') {
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        }
        if (c == '?') {
            const char *see = binds[0].table->see ? binds[0].table->see : "--help";
            if (optopt >= VAL_BASE) /* --flag=value */
                snprintf(err, errlen, "option --%s takes no value, got '%s'",
                         refs[optopt - VAL_BASE].row->name, argv[optind - 1]);
            else if (optopt) /* getopt does not say where in a cluster: name the letter */
                snprintf(err, errlen, "unknown option '-%c' (see %s)", optopt, see);
            else
                snprintf(err, errlen, "unknown option '%s' (see %s)", argv[optind - 1], see);
            return -1;
        }
        const opt_ref_t *ref = NULL;
        if (c >= VAL_BASE) {
            ref = &refs[c - VAL_BASE];
        } else {
            for (size_t i = 0; i < nr && !ref; i++)
                if (refs[i].row->letter == c) ref = &refs[i];
        }
        if (!ref) {
            snprintf(err, errlen, "internal error: getopt returned %d", c);
            return -1;
        }
        ref->bind->given[ref->row - ref->bind->table->rows] = true;
        if (ref->row->kind == OPT_HELP) {
            opt_print_help(stdout, binds[0].table);
            return 1;
        }
        if (store(ref->row, ref->bind->target, optarg, err, errlen) < 0) return -1;
    }
    *first_arg = optind;
    return 0;
}

/* "  -c, --connections N", "      --warmup TIME" (letter column), "  --json FILE". */
static size_t row_label(const opt_table_t *t, const opt_row_t *r, char *buf, size_t len)
{
    char prefix[8];
    if (r->letter)
        snprintf(prefix, sizeof prefix, "  -%c%s", r->letter, r->name ? ", " : "");
    else
        snprintf(prefix, sizeof prefix, "%s", t->letter_column ? "      " : "  ");
    bool meta = r->metavar && takes_value(r->kind);
    int n;
    if (r->label)
        n = snprintf(buf, len, "%s%s", prefix, r->label);
    else
        n = snprintf(buf, len, "%s%s%s%s%s", prefix, r->name ? "--" : "", r->name ? r->name : "",
                     meta ? " " : "", meta ? r->metavar : "");
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void opt_print_help(FILE *out, const opt_table_t *t)
{
    if (t->usage) fputs(t->usage, out);
    int section_col = t->col;
    for (size_t i = 0; i < t->n_rows; i++) {
        const opt_row_t *r = &t->rows[i];
        if (r->kind == OPT_SECTION) {
            fprintf(out, "\n%s\n", r->help);
            section_col = r->col ? r->col : t->col;
            continue;
        }
        if (!r->help) continue;
        char label[160];
        size_t n = row_label(t, r, label, sizeof label);
        int col = r->col ? r->col : section_col;
        /* The text starts at the column; a longer label keeps two spaces. */
        fprintf(out, "%s%*s", label, n < (size_t)col ? col - (int)n : 2, "");
        for (const char *p = r->help;;) {
            const char *nl = strchr(p, '\n');
            fprintf(out, "%.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
            if (!nl) break;
            p = nl + 1;
            fprintf(out, "%*s", col, "");
        }
    }
    if (t->footer) fputs(t->footer, out);
}

static bool kind_fits(const opt_row_t *r)
{
    switch (r->kind) {
    case OPT_FLAG:
        return r->size == sizeof(bool);
    case OPT_UINT:
        return (r->size == 4 && r->umax <= UINT32_MAX) || r->size == 8;
    case OPT_SIZE:
        return r->size == 8;
    case OPT_NUMBER:
    case OPT_DURATION:
        return r->size == sizeof(double);
    case OPT_MSEC:
        return r->size == 4 && r->dmax * 1000 + 0.5 <= UINT32_MAX;
    case OPT_STRING:
        return r->size == sizeof(const char *);
    case OPT_ENUM:
        return r->size == sizeof(bool) || r->size == 4;
    case OPT_CUSTOM:
        return r->set != NULL;
    case OPT_SECTION:
    case OPT_HELP:
        return true;
    }
    return false;
}

int opt_table_check(const opt_table_t *t, char *err, size_t errlen)
{
    if (t->n_rows > OPT_MAX_ROWS) {
        snprintf(err, errlen, "%zu rows, at most %d", t->n_rows, OPT_MAX_ROWS);
        return -1;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        const opt_row_t *r = &t->rows[i];
        char what[64];
        if (r->kind == OPT_SECTION) {
            if (!r->help) {
                snprintf(err, errlen, "row %zu: a section without a heading", i);
                return -1;
            }
            continue;
        }
        if (!r->name && !r->letter) {
            snprintf(err, errlen, "row %zu: an option without a name or letter", i);
            return -1;
        }
        opt_display_name(r, what, sizeof what);
        if (!kind_fits(r)) {
            snprintf(err, errlen, "%s: its field (%zu bytes) or range does not fit kind %d", what,
                     r->size, (int)r->kind);
            return -1;
        }
        if (r->offset + r->size > t->target_size) {
            snprintf(err, errlen, "%s: its field lies outside the %zu-byte options struct", what,
                     t->target_size);
            return -1;
        }
        if (takes_value(r->kind) && !r->metavar && !r->label) {
            snprintf(err, errlen, "%s takes a value but --help does not name it (metavar)", what);
            return -1;
        }
        if (r->kind == OPT_ENUM && (!r->metavar || !strchr(r->metavar, '|'))) {
            snprintf(err, errlen, "%s: an enum needs at least two words in its metavar", what);
            return -1;
        }
        if (!r->help && r->kind != OPT_HELP) {
            /* Shown in another row's label ("--cert FILE --key FILE"). */
            bool named = false;
            for (size_t k = 0; k < t->n_rows && !named; k++) {
                const char *l = t->rows[k].label;
                named = k != i && l && t->rows[k].help && strstr(l, what);
            }
            if (!named) {
                snprintf(err, errlen, "%s has no --help text and no other row's label names it",
                         what);
                return -1;
            }
        }
        for (size_t k = 0; k < i; k++) {
            const opt_row_t *o = &t->rows[k];
            if (o->kind == OPT_SECTION) continue;
            if ((r->name && o->name && !strcmp(r->name, o->name)) ||
                (r->letter && r->letter == o->letter)) {
                snprintf(err, errlen, "%s: name or letter already used by row %zu", what, k);
                return -1;
            }
        }
    }
    return 0;
}
