/* ciphers_matrix.h - `tlsprof ciphers URL [run options]`: the cipher matrix.
 *
 * Runs the same workload once per cipher profile (all of ciphers/ or the ones
 * named with --profiles) through run_config(), and sets the results side by
 * side with the machine's crypto capabilities and a short crypto benchmark,
 * so a table from an ARM box and one from an x86 box can be compared.
 * Per profile: a fresh run with resumption off (full handshakes), a fresh
 * run with tickets (resumed handshakes) and a pooled bulk download.
 * docs/ciphers.md describes the output. */
#ifndef TLSPROF_CLI_CIPHERS_MATRIX_H
#define TLSPROF_CLI_CIPHERS_MATRIX_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Does argv (argv[0] = subcommand name) ask for the matrix, i.e. name a URL?
 * `tlsprof ciphers` without a URL lists profiles (ciphers.c). */
int ciphers_matrix_wanted(int argc, char **argv);

/* The matrix command. Returns an exit code from exit_codes.h: 0 when at
 * least one profile was negotiated and no negotiated run had failures
 * (profiles the server refuses are rows, not errors), 1 when a negotiated
 * profile's runs had failed requests, 2 for bad options or profiles, 3 when
 * no profile was negotiated, 4 when interrupted, 5 when --json failed. */
int ciphers_matrix_main(int argc, char **argv);

/* What one row is made of. Reports are run reports (docs/report-format.md);
 * any may be NULL when that run did not happen or wrote no report. */
typedef struct ciphers_row_in {
    const char *profile;
    const json_t *full;        /* fresh run, --resume off: every handshake full */
    const json_t *resumed;     /* fresh run, --resume ticket */
    const json_t *bulk;        /* pooled run downloading the bulk URL */
    const json_t *bench_items; /* platform.crypto_bench.items, or NULL */
    uint64_t body_size;        /* expected bulk response size; 0 = unknown */
} ciphers_row_in_t;

/* One row of the matrix (docs/ciphers.md, "JSON"). The row holds copies of
 * the reports under "reports" (their `platform` removed: it is the
 * matrix's). Returns a new reference. */
json_t *ciphers_row_build(const ciphers_row_in_t *in);

/* Print the matrix document (the --json content) as text tables. */
void ciphers_matrix_print(FILE *f, const json_t *matrix);

#endif
