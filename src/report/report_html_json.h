/* report_html_json.h - tolerant getters for reading a report back.
 *
 * The HTML report must render whatever optional parts a report lacks, so a
 * missing key or a value of the wrong type simply yields the default. */
#ifndef TLSPROF_REPORT_HTML_JSON_H
#define TLSPROF_REPORT_HTML_JSON_H

#include <jansson.h>

static inline const json_t *rj_get(const json_t *o, const char *key)
{
    return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static inline double rj_num(const json_t *o, const char *key, double dflt)
{
    const json_t *v = rj_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static inline const char *rj_str(const json_t *o, const char *key)
{
    const json_t *v = rj_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline const json_t *rj_obj(const json_t *o, const char *key)
{
    const json_t *v = rj_get(o, key);
    return json_is_object(v) ? v : NULL;
}

static inline const json_t *rj_arr(const json_t *o, const char *key)
{
    const json_t *v = rj_get(o, key);
    return json_is_array(v) ? v : NULL;
}

/* 1 true, 0 false, -1 missing or not a boolean. */
static inline int rj_bool(const json_t *o, const char *key)
{
    const json_t *v = rj_get(o, key);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

#endif
