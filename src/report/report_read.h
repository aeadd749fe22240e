/* report_read.h - load a tlsprof JSON report back and validate it.
 *
 * Used by `tlsprof merge` and `tlsprof compare` (and anything else that reads
 * reports). Validation covers what those readers rely on: report_version 1,
 * the required top-level objects (tool, config, summary, phases, tls,
 * errors), and every phase-shaped object (phases.*, tcp.rtt_us,
 * tcp.retransmits_per_connection) with a histogram that decodes under the
 * strict rules of hist_from_json. Every error names the file and the key
 * path, e.g.
 *   b.json: phases.ttfb.histogram.encoding: expected "loglinear-v1", got "hdr"
 */
#ifndef TLSPROF_REPORT_READ_H
#define TLSPROF_REPORT_READ_H

#include <stddef.h>
#include <jansson.h>

#include "measure/hist.h"

#define REPORT_VERSION 1
/* Reports larger than this are refused before reading them into memory: a
 * day-long run with per-second timeseries stays far below it. */
#define REPORT_MAX_BYTES (1024ull * 1024 * 1024)

/* One phase-shaped object and its decoded histogram. */
typedef struct report_hist {
    char *key;      /* name under its parent: "ttfb", "rtt_us" */
    hist_t *hist;   /* decoded histogram (heap, owned) */
    double divisor; /* the unit divisor of its statistics (stats_unit_divisor) */
} report_hist_t;

typedef struct report {
    char *label;  /* the file name, used in every message */
    json_t *root; /* the whole report (owned) */
    size_t nphases;
    report_hist_t *phases; /* every key of "phases", in file order */
    size_t ntcp;
    report_hist_t *tcp; /* tcp.rtt_us, tcp.retransmits_per_connection when present */
} report_t;

/* Reads and validates the report at path. On failure returns NULL and writes
 * "PATH: KEY: what is wrong" into err. */
report_t *report_read(const char *path, char *err, size_t errlen);

/* The same for a report already in memory; label names it in messages. */
report_t *report_parse(const char *label, const char *text, size_t len, char *err, size_t errlen);

/* Validates an already parsed root (takes a new reference on success). */
report_t *report_from_json(const char *label, json_t *root, char *err, size_t errlen);

void report_free(report_t *r);

/* The HTTP version a report's config names: "http/1.1" or "h2". Reports
 * written before --h1 existed have no "protocol": they spoke HTTP/2. */
const char *report_protocol(const json_t *config);
/* The same for people: "HTTP/1.1" or "HTTP/2". */
const char *report_protocol_label(const json_t *config);

/* The decoded histogram of phases.<name> / tcp.<name>, or NULL when absent. */
const hist_t *report_phase_hist(const report_t *r, const char *name);
const hist_t *report_tcp_hist(const report_t *r, const char *name);

#endif
