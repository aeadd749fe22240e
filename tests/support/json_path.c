/* json_path.c - read values out of a tlsprof report by dotted path. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Keys may contain dots themselves ("TLSv1.3", "127.0.0.1:8443"), so each
 * object level tries every split point, shortest key first, and backtracks
 * when the rest of the path does not resolve below that key. */
static json_t *lookup(json_t *node, const char *path, size_t len)
{
    if (len == 0) return node;
    if (json_is_object(node)) {
        for (size_t i = 1; i <= len; i++) {
            if (i < len && path[i] != '.') continue;
            json_t *child = json_object_getn(node, path, i);
            if (!child) continue;
            if (i == len) return child;
            json_t *found = lookup(child, path + i + 1, len - i - 1);
            if (found) return found;
        }
        return NULL;
    }
    if (json_is_array(node)) {
        size_t i = 0, index = 0;
        while (i < len && path[i] >= '0' && path[i] <= '9' && i < 9)
            index = index * 10 + (size_t)(path[i++] - '0');
        if (i == 0 || (i < len && path[i] != '.')) return NULL;
        json_t *child = json_array_get(node, index);
        if (!child) return NULL;
        return i == len ? child : lookup(child, path + i + 1, len - i - 1);
    }
    return NULL;
}

json_t *jget(const json_t *root, const char *dotted_path)
{
    if (!root || !dotted_path) return NULL;
    /* jansson's getters take non-const pointers but do not modify. */
    return lookup((json_t *)root, dotted_path, strlen(dotted_path));
}

double jnum(const json_t *root, const char *dotted_path)
{
    json_t *v = jget(root, dotted_path);
    if (json_is_number(v)) return json_number_value(v);
    if (json_is_boolean(v)) return json_is_true(v) ? 1.0 : 0.0;
    return NAN;
}

const char *jstr(const json_t *root, const char *dotted_path)
{
    json_t *v = jget(root, dotted_path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
