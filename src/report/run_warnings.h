/* run_warnings.h - findings that must stand out in a report rather than be
 * buried in a number: tickets issued but never accepted, no tickets at all,
 * backends that disagree about tickets, rejected 0-RTT, a saturated client
 * thread. Each warning names its evidence. */
#ifndef TLSPROF_RUN_WARNINGS_H
#define TLSPROF_RUN_WARNINGS_H

#include <jansson.h>

#include "config/config.h"
#include "measure/results.h"

/* Append warning strings to `warnings` (an array). client may be NULL. */
void run_warnings_add(json_t *warnings, const run_config_t *cfg, const results_t *r,
                      const json_t *client);

/* Worker threads above this utilisation make latencies include client-side queueing. */
#define CLIENT_BUSY_THRESHOLD 0.9

#endif
