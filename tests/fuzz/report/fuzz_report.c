/* fuzz_report.c - JSON reports as `tlsprof compare` and `tlsprof merge` read
 * them (src/report/report_read.c, merge*.c, compare*.c).
 *
 * The input is one report, or two separated by a NUL byte (JSON text never
 * holds one), so the fuzzer can make the two sides differ. Both are read
 * and validated; when both are valid they are compared (the comparison and
 * its text table built) and merged, and the promise of merge.h is checked:
 * the merged report is itself a valid report, holding the samples of both. */
#include <math.h>

#include "fuzz_check.h"
#include "report/compare.h"
#include "report/merge.h"
#include "report/report_read.h"

static report_t *read_side(const char *label, const uint8_t *data, size_t size)
{
    char err[1024];
    memset(err, 0x55, sizeof(err));
    report_t *r = report_parse(label, (const char *)data, size, err, sizeof(err));
    if (!r) {
        fuzz_check_message(err, sizeof(err), NULL);
        FUZZ_CHECK(strncmp(err, label, strlen(label)) == 0 && err[strlen(label)] == ':',
                   "message does not start with the file name: %s", err);
    }
    return r;
}

static uint64_t phase_count(const report_t *r, const char *name)
{
    const hist_t *h = report_phase_hist(r, name);
    return h ? h->count : 0;
}

static void check_merge(report_t *a, report_t *b)
{
    report_t *in[2] = {a, b};
    size_t n = b ? 2 : 1;
    json_t *notes = json_array();
    json_t *merged = merge_reports(in, n, notes);
    if (!merged) {
        /* Allowed only when a merged histogram cannot count its samples. */
        const char *why = json_string_value(json_array_get(notes, json_array_size(notes) - 1));
        FUZZ_CHECK(why && strncmp(why, "cannot merge", 12) == 0, "merge_reports failed: %s",
                   why ? why : "(no note)");
        int overflow = 0;
        for (size_t k = 0; b && k < a->nphases; k++)
            overflow |=
                phase_count(b, a->phases[k].key) > (uint64_t)INT64_MAX - a->phases[k].hist->count;
        for (size_t k = 0; b && k < a->ntcp; k++) {
            const hist_t *hb = report_tcp_hist(b, a->tcp[k].key);
            overflow |= hb && hb->count > (uint64_t)INT64_MAX - a->tcp[k].hist->count;
        }
        FUZZ_CHECK(overflow, "'%s' but no count overflows", why);
        json_decref(notes);
        return;
    }
    char err[1024] = "";
    report_t *m = report_from_json("merged.json", merged, err, sizeof(err));
    FUZZ_CHECK(m != NULL, "the merged report does not read back: %s", err);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < in[i]->nphases; k++) {
            const char *name = in[i]->phases[k].key;
            uint64_t want = phase_count(a, name) + (b ? phase_count(b, name) : 0);
            FUZZ_CHECK(phase_count(m, name) == want, "merged phases.%s.count %llu, inputs %llu",
                       name, (unsigned long long)phase_count(m, name), (unsigned long long)want);
        }
    }
    report_free(m);
    json_decref(merged);
    json_decref(notes);
}

static void check_compare(const report_t *a, const report_t *b)
{
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    FUZZ_CHECK(sink != NULL, "cannot open /dev/null");
    json_t *cmp = compare_reports(a, b);
    FUZZ_CHECK(cmp != NULL, "compare_reports failed");
    compare_print_text(sink, cmp);
    json_decref(cmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t size_a = nul ? (size_t)(nul - data) : size;
    report_t *a = read_side("a.json", data, size_a);
    report_t *b = nul ? read_side("b.json", nul + 1, size - size_a - 1) : NULL;
    if (a) {
        check_compare(a, b ? b : a);
        check_merge(a, NULL);
        if (b) check_merge(a, b);
    }
    report_free(a);
    report_free(b);
    return 0;
}
