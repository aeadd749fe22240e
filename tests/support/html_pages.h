/* html_pages.h - what the HTML tests share: the fixture reports of
 * tests/data/html/ made real, rendering, and reading pages back.
 *
 * Fixtures are hand-written reports. Where a phase says {"synth": ...} it is
 * replaced by a genuine phase object: samples from a deterministic
 * log-normal (or an exact value list, or a merge of other phases) recorded
 * with the hist API and encoded with phase_stats_json, exactly as a run
 * writes it. Those histograms are the independent truth the pages are
 * checked against. */
#ifndef TLSPROF_TEST_HTML_PAGES_H
#define TLSPROF_TEST_HTML_PAGES_H

#include <jansson.h>

#include "measure/hist.h"

/* tests/data/html/NAME with its synth phases made real (fails the test when
 * unreadable). */
json_t *hp_load_fixture(const char *name);
/* Replaces every {"synth": ...} member of a phases (or tcp) object. */
void hp_complete_synth(json_t *obj);
/* full.json as A, and as B with tcp_connect 3x slower, requests/s 198 -> 150
 * and failed requests 40 -> 60. */
void hp_compare_pair(json_t **a, json_t **b);
/* The histogram of phases.PHASE of a report (one static histogram: copy it
 * to keep two). */
const hist_t *hp_phase_hist(const json_t *report, const char *phase);

/* Renders report to DIR/NAME and returns the page (caller frees). With
 * TLSPROF_HTML_OUT=DIR set, a copy is kept there to look at in a browser. */
char *hp_render(const json_t *report, const char *dir, const char *name);

int hp_count(const char *hay, const char *needle);
/* The page references nothing outside itself: no element or attribute that
 * loads or runs anything, no url() or @import. */
void hp_assert_self_contained(const char *html);
/* hp_assert_self_contained, well formed (html_check.h), and its stylesheet
 * is src/report/assets/report.css byte for byte. */
void hp_assert_page(const char *html);
/* A fragment is well formed inside a page. */
void hp_assert_fragment(const char *fragment);
/* The text of each cell (tags stripped) of the row of table
 * data-table="TABLE" whose first cell contains key; returns the count. */
int hp_row_cells(const char *html, const char *table, const char *key, char cells[][96], int max);

#endif
