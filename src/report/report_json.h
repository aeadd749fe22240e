/* report_json.h - the JSON report (docs/report-format.md) built from a
 * finished run. It is the single source of truth: the text and HTML reports
 * are rendered from it. */
#ifndef TLSPROF_REPORT_JSON_H
#define TLSPROF_REPORT_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "config/config.h"
#include "engine/engine.h"

typedef struct run_outcome {
    bool interrupted;
    int exit_code;
    json_t *platform;         /* owned by the caller; copied in */
    json_t *tcp_kernel;       /* time_wait, system_deltas, ephemeral_ports (may be NULL) */
    json_t *warnings;         /* array of strings added before build (may be NULL) */
    json_t *client;           /* CPU use (may be NULL) */
    json_t *timeseries;       /* array (may be NULL) */
    json_t *slowest;          /* array (may be NULL) */
    json_t *slowest_by_phase; /* object phase -> array (may be NULL) */
} run_outcome_t;

json_t *report_json_build(const run_config_t *cfg, const engine_t *e, const run_outcome_t *o);
/* The exit code a run's results call for (EXIT_OK, EXIT_PARTIAL, EXIT_TOTAL_FAILURE). */
int report_exit_code(const results_t *r);

#endif
