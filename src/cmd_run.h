/* cmd_run.h - `tlsprof run`: one profiling run from options to reports. */
#ifndef TLSPROF_CMD_RUN_H
#define TLSPROF_CMD_RUN_H

#include "config/config.h"

int run_main(int argc, char **argv);
/* Run a parsed configuration; prints/writes the reports; returns the exit code. */
int run_config(const run_config_t *cfg);

#endif
