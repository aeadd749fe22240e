/* exit_codes.h - tlsprof's documented exit codes (see --help, docs/). */
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
