/* merge.h - `tlsprof merge A.json B.json ... -o ALL.json`.
 *
 * Combines reports of runs made at the same time from several load machines
 * into one report, exactly: histograms are added bucket by bucket and every
 * phase statistic is recomputed from the merged histogram, counters are
 * summed, duration_s is the longest input's and the rates are recomputed from
 * it. The result is itself a valid report (merge and compare read it again).
 * The rules per key are in merge_rules.c and docs/compare-merge.md. */
#ifndef TLSPROF_MERGE_H
#define TLSPROF_MERGE_H

#include <stddef.h>
#include <jansson.h>

#include "report/report_read.h"

/* The merged report of n validated inputs (n >= 1). Messages about inputs
 * that differ (url, mode) are appended to notes (a JSON array of strings);
 * they also end up in the merged report's "warnings". NULL on out of memory,
 * or when the inputs cannot be merged exactly (a histogram would hold more
 * than INT64_MAX samples): the last note then starts with "cannot merge". */
json_t *merge_reports(report_t *const *in, size_t n, json_t *notes);

#endif
