/* slowest_json.h - the report's `slowest` and `slowest_by_phase`: kept
 * connection stories as event-log objects, each with its evidence-backed
 * hints (hints.h). */
#ifndef TLSPROF_SLOWEST_JSON_H
#define TLSPROF_SLOWEST_JSON_H

#include <jansson.h>

#include "engine/engine.h"

/* Consumes e->slowest (its heaps are sorted in place). *by_phase receives
 * an object phase -> array. Returns the `slowest` array. */
json_t *slowest_json(engine_t *e, json_t **by_phase);

#endif
