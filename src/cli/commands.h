/* commands.h - the subcommands' entry points, one file each in src/cli/.
 *
 * Every entry takes the command line with argv[0] = the subcommand's name
 * (or the program's, for `tlsprof URL`) and returns an exit code from
 * config/exit_codes.h. main.c only dispatches; a new command adds its
 * function here and one line to main.c's table. */
#ifndef TLSPROF_CLI_COMMANDS_H
#define TLSPROF_CLI_COMMANDS_H

/* `tlsprof [run] URL [options]`: one profiling run (run.c). */
int run_main(int argc, char **argv);
/* `tlsprof serve [options]`: the embedded server until SIGINT/SIGTERM (serve.c). */
int serve_main(int argc, char **argv);
/* `tlsprof demo [-n N] [--json-dir DIR]`: embedded server, fresh and pooled run (demo.c). */
int demo_main(int argc, char **argv);
/* `tlsprof ciphers [--list] [--dir DIR] [NAME|PATH ...]`, or with a URL the
 * cipher matrix (ciphers.c, ciphers_matrix.c). */
int ciphers_main(int argc, char **argv);
/* `tlsprof bench-crypto [--seconds S] [--only LIST] [--json FILE]` (bench_crypto.c). */
int bench_crypto_main(int argc, char **argv);
/* `tlsprof compare A.json B.json [--json FILE] [--html FILE]` (compare.c). */
int compare_main(int argc, char **argv);
/* `tlsprof merge REPORT.json ... -o OUT.json` (merge.c). */
int merge_main(int argc, char **argv);

#endif
