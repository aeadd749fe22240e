/* tally.h - small fixed-size "name -> count" tables.
 *
 * Workers count TLS facts (versions, ciphers, groups, ...), HTTP statuses and
 * errors per phase and reason in these tables without locks or allocation;
 * the engine merges them after the workers have joined. A table that is full
 * counts further names under "other" so that nothing is dropped silently. */
#ifndef TLSPROF_TALLY_H
#define TLSPROF_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define TALLY_MAX 32
#define TALLY_NAME 96

typedef struct tally {
    size_t n;
    uint64_t other;
    struct {
        char name[TALLY_NAME];
        uint64_t count;
    } items[TALLY_MAX];
} tally_t;

void tally_add(tally_t *t, const char *name, uint64_t count);
/* As tally_add; returns the name's slot, or TALLY_MAX when it went to "other". */
size_t tally_add_at(tally_t *t, const char *name, uint64_t count);
void tally_merge(tally_t *dst, const tally_t *src);
uint64_t tally_get(const tally_t *t, const char *name);
uint64_t tally_total(const tally_t *t);
/* Object name -> count, sorted by count (descending); "other" when non-zero. */
json_t *tally_to_json(const tally_t *t);

/* Errors: phase -> reason -> count. */
#define ERRORS_MAX_PHASES 12
typedef struct error_tally {
    size_t n;
    struct {
        const char *phase; /* static string */
        tally_t reasons;
    } phases[ERRORS_MAX_PHASES];
} error_tally_t;

void errors_add(error_tally_t *e, const char *phase, const char *reason);
void errors_merge(error_tally_t *dst, const error_tally_t *src);
uint64_t errors_total(const error_tally_t *e);
json_t *errors_to_json(const error_tally_t *e);

#endif
