/* html_pages.c - see html_pages.h. */
#include "html_pages.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "html_check.h"
#include "measure/hist.h"
#include "measure/stats.h"
#include "report/report_html.h"
#include "report/report_html_parts.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit01(uint64_t *s)
{
    return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Builds the histogram a synth spec describes into h. */
static void synth_hist(hist_t *h, const json_t *spec, const char *key, const json_t *siblings)
{
    hist_init(h);
    const json_t *merge = json_object_get(spec, "merge");
    const json_t *exact = json_object_get(spec, "exact");
    if (merge) {
        size_t i;
        json_t *name;
        json_array_foreach(merge, i, name)
        {
            hist_t part;
            char err[200];
            const json_t *ph = json_object_get(siblings, json_string_value(name));
            assert_non_null(ph);
            assert_int_equal(hist_from_json(&part, json_object_get(ph, "histogram"), err, 200), 0);
            hist_merge(h, &part);
        }
    } else if (exact) {
        size_t i;
        json_t *pair;
        json_array_foreach(exact, i, pair)
        {
            for (json_int_t k = 0; k < json_integer_value(json_array_get(pair, 1)); k++)
                hist_record(h, (uint64_t)json_integer_value(json_array_get(pair, 0)));
        }
    } else {
        double median = json_number_value(json_object_get(spec, "median_us"));
        double p99 = json_number_value(json_object_get(spec, "p99_us"));
        json_int_t n = json_integer_value(json_object_get(spec, "count"));
        double sigma = median > 0 ? log(p99 / median) / 2.326 : 0;
        uint64_t seed = 1469598103934665603ull;
        for (const char *c = key; *c; c++)
            seed = (seed ^ (unsigned char)*c) * 1099511628211ull;
        for (json_int_t i = 0; i < n; i++) {
            double z = sqrt(-2 * log(unit01(&seed))) * cos(6.283185307179586 * unit01(&seed));
            hist_record(h, (uint64_t)llround(median * exp(sigma * z) * 1000.0));
        }
    }
}

/* Replaces every {"synth": ...} member of obj (merges last, they need the rest). */
void hp_complete_synth(json_t *obj)
{
    static hist_t h;
    for (int pass = 0; pass < 2; pass++) {
        const char *key;
        json_t *val;
        json_object_foreach(obj, key, val)
        {
            json_t *spec = json_object_get(val, "synth");
            if (!spec || (pass == 0) == (json_object_get(spec, "merge") != NULL)) continue;
            synth_hist(&h, spec, key, obj);
            json_object_set_new(obj, key, phase_stats_json(&h, stats_unit_divisor(key)));
        }
    }
}

json_t *hp_load_fixture(const char *name)
{
    char path[1024];
    json_error_t e;
    snprintf(path, sizeof path, "%s/tests/data/html/%s", TLSPROF_SOURCE_DIR, name);
    json_t *r = json_load_file(path, 0, &e);
    if (!r) fail_msg("%s:%d: %s", path, e.line, e.text);
    if (json_object_get(r, "phases")) hp_complete_synth(json_object_get(r, "phases"));
    if (json_object_get(r, "tcp")) hp_complete_synth(json_object_get(r, "tcp"));
    return r;
}

/* Set TLSPROF_HTML_OUT=DIR to keep a copy of every rendered page there, to
 * look at them in a browser. */
static void keep_copy(const json_t *report, const char *name)
{
    const char *out = getenv("TLSPROF_HTML_OUT");
    char path[1024], err[512];
    if (!out || !*out) return;
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (report_html_write(report, path, err, sizeof err) != 0) print_message("%s\n", err);
}

char *hp_render(const json_t *report, const char *dir, const char *name)
{
    char path[1024], err[512] = "";
    keep_copy(report, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (report_html_write(report, path, err, sizeof err) != 0) fail_msg("render: %s", err);
    char *html = slurp_file(path, NULL);
    assert_non_null(html);
    return html;
}

int hp_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Checks one tag's attributes: no event handlers, no attribute that loads
 * anything (only in-page href="#..."), no url() in a style. Attribute values
 * may contain any escaped text (a title showing a hostile reason is fine). */
static void check_tag(const char *p, const char *end)
{
    static const char *const loaders[] = {"src",  "srcset",     "href",   "xlink:href", "action",
                                          "data", "formaction", "poster", "background"};
    while (p < end && *p != ' ' && *p != '\n')
        p++; /* the tag name */
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '/'))
            p++;
        const char *name = p;
        while (p < end && *p != '=' && *p != ' ' && *p != '/')
            p++;
        size_t nlen = (size_t)(p - name);
        const char *val = "", *vend = val;
        if (p < end && *p == '=') {
            char q = *++p;
            if (q == '"' || q == '\'') {
                val = ++p;
                while (p < end && *p != q)
                    p++;
                vend = p++;
            } else {
                val = p;
                while (p < end && *p != ' ')
                    p++;
                vend = p;
            }
        }
        if (nlen == 0) continue;
        char *n = strndup(name, nlen), *v = strndup(val, (size_t)(vend - val));
        if (strncasecmp(n, "on", 2) == 0) fail_msg("event handler attribute %s=%s", n, v);
        for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
            if (strcasecmp(n, loaders[i]) == 0 && !(strcasecmp(n, "href") == 0 && v[0] == '#'))
                fail_msg("attribute loads from outside the page: %s=\"%s\"", n, v);
        if (strcasecmp(n, "style") == 0 && strstr(v, "url(")) fail_msg("style with url(): %s", v);
        free(n);
        free(v);
    }
}

/* The page must reference nothing outside itself: no element that loads or
 * runs anything, no loading attribute, no CSS import or url(). Strings from
 * the report appear only escaped, so '<' always starts a tag of ours. */
void hp_assert_self_contained(const char *html)
{
    static const char *const banned[] = {
        "<script", "<link",   "<img", "<iframe", "<object",
        "<embed",  "@import", "url(", "<base",   "<meta http-equiv=\"refresh"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strcasestr(html, banned[i])) fail_msg("page contains %s", banned[i]);
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        assert_non_null(end);
        if (p[1] != '/' && p[1] != '!') check_tag(p + 1, end);
    }
}

/* Every page: self-contained, well formed (tests/support/html_check.c), and
 * its stylesheet is src/report/assets/report.css byte for byte, so the
 * asset CMake embeds is the one in the tree and cannot end the <style>. */
void hp_assert_page(const char *html)
{
    char err[600], path[1024];
    hp_assert_self_contained(html);
    if (html_check_wellformed(html, err, sizeof err) != 0) fail_msg("not well formed: %s", err);
    snprintf(path, sizeof path, "%s/src/report/assets/report.css", TLSPROF_SOURCE_DIR);
    char *css = slurp_file(path, NULL);
    assert_non_null(css);
    assert_null(strcasestr(css, "</style"));
    const char *style = strstr(html, "<style>\n");
    assert_non_null(style);
    assert_int_equal(strncmp(style + 8, css, strlen(css)), 0);
    assert_int_equal(strncmp(style + 8 + strlen(css), "</style>", 8), 0);
    free(css);
}

/* The text of each cell of the <tr> of table data-table="TABLE" whose
 * first cell contains `key` (tags stripped, entities left), up to max. */
int hp_row_cells(const char *html, const char *table, const char *key, char cells[][96], int max)
{
    char open[128];
    snprintf(open, sizeof open, "data-table=\"%s\"", table);
    const char *t = strstr(html, open);
    if (!t) fail_msg("table %s missing", table);
    const char *tend = strstr(t, "</table>");
    const char *k = strstr(t, key);
    if (!k || k > tend) fail_msg("row %s missing from table %s", key, table);
    const char *row = k;
    while (strncmp(row, "<tr", 3) != 0)
        row--;
    const char *rend = strstr(row, "</tr>");
    int n = 0;
    for (const char *c = row + 3; c < rend && n < max;) {
        const char *td = strstr(c, "<td"), *th = strstr(c, "<th");
        const char *cell = !td ? th : !th ? td : td < th ? td : th;
        if (!cell || cell >= rend) break;
        const char *p = strchr(cell, '>') + 1,
                   *close = strstr(p, cell[2] == 'd' ? "</td>" : "</th>");
        size_t o = 0;
        for (int in_tag = 0; p < close && o + 1 < 96; p++) {
            if (*p == '<')
                in_tag = 1;
            else if (*p == '>')
                in_tag = 0;
            else if (!in_tag)
                cells[n][o++] = *p;
        }
        cells[n++][o] = '\0';
        c = close + 5;
    }
    return n;
}

const hist_t *hp_phase_hist(const json_t *report, const char *phase)
{
    static hist_t h;
    char err[200];
    json_t *j =
        json_object_get(json_object_get(json_object_get(report, "phases"), phase), "histogram");
    assert_int_equal(hist_from_json(&h, j, err, sizeof err), 0);
    return &h;
}

void hp_assert_fragment(const char *fragment)
{
    hbuf page;
    hb_init(&page);
    html_page_open(&page, "test");
    hb_puts(&page, fragment);
    html_page_close(&page);
    char err[600];
    if (html_check_wellformed(page.data, err, sizeof err) != 0)
        fail_msg("not well-formed: %s", err);
    hb_free(&page);
}

void hp_compare_pair(json_t **a, json_t **b)
{
    *a = hp_load_fixture("full.json");
    *b = hp_load_fixture("full.json");
    /* B: the same run with every tcp_connect sample 3x slower ... */
    json_t *spec = json_pack("{s:{s:f,s:f,s:i}}", "synth", "median_us", 540.0, "p99_us", 2700.0,
                             "count", 3990);
    json_object_set_new(json_object_get(*b, "phases"), "tcp_connect", spec);
    hp_complete_synth(json_object_get(*b, "phases"));
    /* ... and fewer requests per second, more failed ones. */
    json_object_set_new(json_object_get(*b, "summary"), "requests_per_s", json_real(150.0));
    json_object_set_new(json_object_get(*b, "summary"), "requests_failed", json_integer(60));
}
