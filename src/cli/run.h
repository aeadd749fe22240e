/* run.h - one profiling run from a parsed configuration to the reports;
 * `tlsprof run` (run_main in commands.h) and the cipher matrix use it. */
#ifndef TLSPROF_CLI_RUN_H
#define TLSPROF_CLI_RUN_H

#include "config/config.h"

/* Run a parsed configuration; prints/writes the reports; returns the exit code. */
int run_config(const run_config_t *cfg);

#endif
