/* option_tables.h - every command's option table, in one list, so the tests
 * check them all the same way: each row has --help text (or is named in
 * another row's label), parses its example, refuses bad values naming the
 * option, and `tlsprof ... --help` prints exactly the table's text.
 * A command that gets a table adds one line to cli_tables (option_tables.c). */
#ifndef TLSPROF_CLI_OPTION_TABLES_H
#define TLSPROF_CLI_OPTION_TABLES_H

#include "config/opt_table.h"

/* The matrix's own options (--profiles, --dir, --bulk-url, --body-size,
 * --bulk-bytes, --bench-seconds, --json); run's table (config_run_options)
 * follows them on the same command line (ciphers_matrix.c). */
extern const opt_table_t ciphers_matrix_options;
/* `tlsprof demo`: -n, --json-dir (demo.c). */
extern const opt_table_t demo_options;

typedef struct cli_table {
    const char *help_args; /* the arguments that print this table's help */
    const opt_table_t *table;
} cli_table_t;

/* Every table, ended by {NULL, NULL}. */
extern const cli_table_t cli_tables[];

#endif
