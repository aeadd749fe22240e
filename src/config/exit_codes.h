/* exit_codes.h - tlsprof's documented exit codes (see --help, docs/).
 *
 * In config/ because the exit codes are part of the command line's contract
 * (README, --help, the man page), and config/ is the leaf every room may
 * include: the server, bench and report rooms return these codes without
 * depending on the command-line code. */
#ifndef TLSPROF_EXIT_CODES_H
#define TLSPROF_EXIT_CODES_H

enum {
    EXIT_OK = 0,            /* every request succeeded */
    EXIT_PARTIAL = 1,       /* some requests or connections failed */
    EXIT_USAGE = 2,         /* bad command line, URL, profile or input file */
    EXIT_TOTAL_FAILURE = 3, /* not one request succeeded */
    EXIT_INTERRUPTED = 4,   /* stopped by SIGINT/SIGTERM; the partial report was written */
    EXIT_INTERNAL = 5       /* could not write an output file, or an internal error */
};

#endif
