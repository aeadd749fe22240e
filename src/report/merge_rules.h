/* merge_rules.h - how each non-histogram part of a report combines when
 * several reports are merged (internal to merge.c, documented for users in
 * docs/compare-merge.md).
 *
 * A section is merged by folding every input into an accumulator object with
 * merge_apply(). Each known key has a rule; keys the rules do not name get
 * the section's `unknown` rule, so reports from newer versions still merge
 * (their unknown values are taken from the first input that has them, or
 * summed where the section is made of counters). Values a rule cannot combine
 * (wrong type) also fall back to "first input wins" rather than failing:
 * report_read has already validated everything merge relies on. */
#ifndef TLSPROF_MERGE_RULES_H
#define TLSPROF_MERGE_RULES_H

#include <jansson.h>

typedef enum merge_kind {
    MK_FIRST,   /* the first input's value */
    MK_SUM,     /* numbers added (integers stay integers) */
    MK_SUM_INT, /* integers added, anything else first-wins */
    MK_MAP,     /* name -> count objects (nested to any depth) summed per name */
    MK_MIN,     /* smallest number (null ignored) */
    MK_MAX,     /* largest number (null ignored) */
    MK_OR,      /* boolean or */
    MK_SAME,    /* string; distinct values joined with " | " */
    MK_CONCAT,  /* arrays appended */
    MK_SUB      /* an object merged with its own rule set */
} merge_kind;

struct merge_ruleset;

typedef struct merge_rule {
    const char *key;
    merge_kind kind;
    const struct merge_ruleset *sub; /* MK_SUB only */
} merge_rule;

typedef struct merge_ruleset {
    const merge_rule *rules;
    size_t n;
    merge_rule unknown; /* rule for keys not listed (key ignored) */
} merge_ruleset;

/* Folds src (an object) into dst (an object) following rs. */
void merge_apply(json_t *dst, const json_t *src, const merge_ruleset *rs);

/* Rule sets of the report sections (docs/report-format.md). Statistics that
 * are ratios or come from histograms are recomputed by merge.c afterwards. */
extern const merge_ruleset merge_rules_summary;
extern const merge_ruleset merge_rules_tls;
extern const merge_ruleset merge_rules_tcp;
extern const merge_ruleset merge_rules_errors;
extern const merge_ruleset merge_rules_client;
extern const merge_ruleset merge_rules_interval; /* one timeseries element */

#endif
