/* server_fault.h - names and arguments of the --fault switches. */
#ifndef TLSPROF_SERVER_FAULT_H
#define TLSPROF_SERVER_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

/* Parse "NAME" or "NAME:ARG" (see docs/server.md). On error writes a message
 * naming the fault and the value into err and returns -1. */
int server_fault_parse(const char *spec, server_fault *fault, uint64_t *arg, char *err,
                       size_t errlen);
const char *server_fault_name(server_fault f);

/* HTTP/2 error codes: "REFUSED_STREAM" (any case) or a number -> code. */
int server_h2_code_parse(const char *s, uint32_t *out);
const char *server_h2_code_name(uint32_t code); /* "UNKNOWN" past HTTP_1_1_REQUIRED */

#endif
