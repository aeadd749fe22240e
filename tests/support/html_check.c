/* html_check.c - see html_check.h. */
#include "html_check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 256
#define MAX_IDS 4096
#define NAME_MAX_LEN 32

typedef struct checker {
    const char *doc;
    char stack[MAX_DEPTH][NAME_MAX_LEN];
    int depth, in_svg;
    char *err;
    size_t errlen;
    const char *ids[MAX_IDS];
    size_t id_len[MAX_IDS];
    int nids;
} checker;

static int line_of(const checker *c, const char *p)
{
    int line = 1;
    for (const char *s = c->doc; s < p; s++)
        line += *s == '\n';
    return line;
}

static int fail(checker *c, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(checker *c, const char *at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "line %d: %s (near \"%.60s\")", line_of(c, at), msg, at);
    return -1;
}

static int in_list(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp(name, list[i]) == 0) return 1;
    return 0;
}

static const char *const void_elements[] = {"area",   "base",  "br",    "col",  "embed",
                                            "hr",     "img",   "input", "link", "meta",
                                            "source", "track", "wbr",   NULL};
static const char *const block_elements[] = {"div",    "table",  "ul",  "ol", "dl",  "section",
                                             "header", "footer", "nav", "p",  "h1",  "h2",
                                             "h3",     "h4",     "h5",  "h6", "pre", NULL};

static const char *parent(const checker *c)
{
    return c->depth > 0 ? c->stack[c->depth - 1] : "";
}

/* The element `name` may only sit inside one of `parents`. */
static int check_parent(checker *c, const char *at, const char *name)
{
    static const struct {
        const char *child;
        const char *parents[5];
    } rules[] = {
        {"tr", {"thead", "tbody", "tfoot", "table", NULL}},
        {"td", {"tr", NULL}},
        {"th", {"tr", NULL}},
        {"thead", {"table", NULL}},
        {"tbody", {"table", NULL}},
        {"caption", {"table", NULL}},
        {"colgroup", {"table", NULL}},
        {"col", {"colgroup", NULL}},
        {"li", {"ul", "ol", NULL}},
        {"dt", {"dl", "div", NULL}},
        {"dd", {"dl", "div", NULL}},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcasecmp(name, rules[i].child) != 0) continue;
        if (!in_list(parent(c), rules[i].parents))
            return fail(c, at, "<%s> inside <%s>", name, parent(c));
        /* A <div> holding dt/dd must itself be a child of a <dl>. */
        if (strcasecmp(parent(c), "div") == 0 &&
            (c->depth < 2 || strcasecmp(c->stack[c->depth - 2], "dl") != 0))
            return fail(c, at, "<%s> in a <div> that is not in a <dl>", name);
    }
    /* A block inside <p> would end the paragraph early in a browser. */
    for (int d = c->depth - 1; d >= 0 && !c->in_svg; d--) {
        if (strcasecmp(c->stack[d], "p") == 0 && in_list(name, block_elements))
            return fail(c, at, "block <%s> inside <p>", name);
        if (in_list(c->stack[d], block_elements)) break;
    }
    return 0;
}

/* Every '&' in [s, e) must begin a character reference. */
static int check_refs(checker *c, const char *s, const char *e)
{
    for (const char *p = s; p < e; p++) {
        if (*p != '&') continue;
        const char *q = p + 1;
        if (q < e && *q == '#') {
            q++;
            int hex = q < e && (*q == 'x' || *q == 'X');
            q += hex;
            const char *d = q;
            while (q < e && (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)))
                q++;
            if (q == d) return fail(c, p, "'&#' without digits");
        } else {
            const char *d = q;
            while (q < e && isalnum((unsigned char)*q))
                q++;
            if (q == d) return fail(c, p, "raw '&' (not a character reference)");
        }
        if (q >= e || *q != ';') return fail(c, p, "character reference without ';'");
    }
    return 0;
}

static int note_id(checker *c, const char *v, size_t n)
{
    for (int i = 0; i < c->nids; i++)
        if (c->id_len[i] == n && strncmp(c->ids[i], v, n) == 0)
            return fail(c, v, "duplicate id \"%.*s\"", (int)n, v);
    if (c->nids < MAX_IDS) {
        c->ids[c->nids] = v;
        c->id_len[c->nids++] = n;
    }
    return 0;
}

/* Attributes of a start tag in [p, end): name="value" or name='value' or a
 * bare name; no attribute twice. *self_closing is set for a final '/'. */
static int check_attrs(checker *c, const char *p, const char *end, int *self_closing)
{
    char seen[32][NAME_MAX_LEN];
    int nseen = 0;
    *self_closing = 0;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p >= end) break;
        if (*p == '/') {
            if (p + 1 != end) return fail(c, p, "'/' in the middle of a tag");
            *self_closing = 1;
            break;
        }
        const char *name = p;
        while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
            p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0 || nlen >= NAME_MAX_LEN) return fail(c, name, "bad attribute name");
        for (int i = 0; i < nseen; i++)
            if (strlen(seen[i]) == nlen && strncasecmp(seen[i], name, nlen) == 0)
                return fail(c, name, "attribute %.*s given twice", (int)nlen, name);
        if (nseen < 32) {
            memcpy(seen[nseen], name, nlen);
            seen[nseen++][nlen] = '\0';
        }
        if (p < end && *p == '=') {
            char q = *++p;
            if (q != '"' && q != '\'') return fail(c, p, "unquoted attribute value");
            const char *v = ++p;
            while (p < end && *p != q)
                p++;
            if (p >= end) return fail(c, v, "unterminated attribute value");
            if (memchr(v, '<', (size_t)(p - v))) return fail(c, v, "raw '<' in an attribute");
            if (check_refs(c, v, p) != 0) return -1;
            if (nlen == 2 && strncasecmp(name, "id", 2) == 0 && note_id(c, v, (size_t)(p - v)))
                return -1;
            p++;
        }
    }
    return 0;
}

static int start_tag(checker *c, const char *lt, const char *gt)
{
    const char *p = lt + 1, *name = p;
    while (p < gt && (isalnum((unsigned char)*p) || *p == '-' || *p == ':'))
        p++;
    size_t nlen = (size_t)(p - name);
    if (nlen == 0 || nlen >= NAME_MAX_LEN) return fail(c, lt, "bad tag name");
    char tag[NAME_MAX_LEN];
    memcpy(tag, name, nlen);
    tag[nlen] = '\0';
    int self_closing;
    if (check_attrs(c, p, gt, &self_closing) != 0) return -1;
    if (check_parent(c, lt, tag) != 0) return -1;
    int is_void = in_list(tag, void_elements) && !c->in_svg;
    if (self_closing && !is_void && !c->in_svg)
        return fail(c, lt, "<%s/> is not self-closing in HTML", tag);
    if (is_void || self_closing) return 0;
    if (c->depth >= MAX_DEPTH) return fail(c, lt, "nesting deeper than %d", MAX_DEPTH);
    memcpy(c->stack[c->depth++], tag, nlen + 1);
    if (strcasecmp(tag, "svg") == 0) c->in_svg++;
    return 0;
}

static int end_tag(checker *c, const char *lt, const char *gt)
{
    const char *name = lt + 2, *p = name;
    while (p < gt && (isalnum((unsigned char)*p) || *p == '-' || *p == ':'))
        p++;
    size_t nlen = (size_t)(p - name);
    while (p < gt && isspace((unsigned char)*p))
        p++;
    if (p != gt || nlen == 0) return fail(c, lt, "malformed end tag");
    char tag[NAME_MAX_LEN];
    snprintf(tag, sizeof tag, "%.*s", (int)nlen, name);
    if (in_list(tag, void_elements) && !c->in_svg) return fail(c, lt, "end tag of void <%s>", tag);
    if (c->depth == 0) return fail(c, lt, "</%s> closes nothing", tag);
    if (strcasecmp(parent(c), tag) != 0) return fail(c, lt, "</%s> closes <%s>", tag, parent(c));
    c->depth--;
    if (strcasecmp(tag, "svg") == 0) c->in_svg--;
    return 0;
}

int html_check_wellformed(const char *html, char *err, size_t errlen)
{
    static checker c; /* large (the stack and ids); tests are single-threaded */
    memset(&c, 0, sizeof c);
    c.doc = html;
    c.err = err;
    c.errlen = errlen;
    const char *p = html;
    if (strncasecmp(p, "<!DOCTYPE html>", 15) != 0) return fail(&c, p, "no <!DOCTYPE html>");
    p += 15;
    while (*p) {
        const char *lt = strchr(p, '<');
        const char *text_end = lt ? lt : p + strlen(p);
        if (check_refs(&c, p, text_end) != 0) return -1;
        if (!lt) break;
        if (strncmp(lt, "<!--", 4) == 0) {
            const char *e = strstr(lt, "-->");
            if (!e) return fail(&c, lt, "unterminated comment");
            p = e + 3;
            continue;
        }
        const char *gt = strchr(lt, '>');
        if (!gt) return fail(&c, lt, "unterminated tag");
        if (memchr(lt + 1, '<', (size_t)(gt - lt - 1))) return fail(&c, lt, "'<' inside a tag");
        if (lt[1] == '/') {
            if (end_tag(&c, lt, gt) != 0) return -1;
        } else if (isalpha((unsigned char)lt[1])) {
            if (start_tag(&c, lt, gt) != 0) return -1;
            /* <style> is raw text: skip to its end tag. */
            if (strcasecmp(parent(&c), "style") == 0) {
                const char *e = strstr(gt, "</style>");
                if (!e) return fail(&c, lt, "unterminated <style>");
                p = e;
                continue;
            }
        } else {
            return fail(&c, lt, "raw '<' in text");
        }
        p = gt + 1;
    }
    if (c.depth > 0) return fail(&c, p, "<%s> never closed", parent(&c));
    return 0;
}
