/* client_cpu.h - tlsprof's own CPU use (the report's `client`): a profiler
 * that saturates itself measures itself, so the report says how busy each
 * worker thread was. */
#ifndef TLSPROF_CLIENT_CPU_H
#define TLSPROF_CLIENT_CPU_H

#include <jansson.h>

#include "engine/engine.h"

json_t *client_cpu_json(const engine_t *e);

#endif
