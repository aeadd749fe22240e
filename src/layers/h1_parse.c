/* h1_parse.c - see h1_parse.h. Lines end with LF, an optional CR before it
 * is dropped (RFC 9112 section 2.2 lets a recipient accept a bare LF). */
#include "layers/h1_parse.h"
#include "layers/http_fields.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void h1p_init(h1_parser_t *p, bool head)
{
    free(p->line);
    memset(p, 0, sizeof *p);
    p->state = H1P_STATUS;
    p->head = head;
    p->content_length = -1;
}

void h1p_free(h1_parser_t *p)
{
    free(p->line);
    p->line = NULL;
    p->line_len = p->line_cap = 0;
}

static void fail(h1_parser_t *p, const char *why)
{
    p->state = H1P_ERROR;
    p->error = why;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Trim spaces at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Does the comma-separated list [s, s + n) contain token tok (any case)? */
static bool has_token(const char *s, size_t n, const char *tok, bool last_only)
{
    size_t tl = strlen(tok);
    bool found = false;
    while (n) {
        const char *comma = memchr(s, ',', n);
        size_t len = comma ? (size_t)(comma - s) : n;
        const char *t = s;
        size_t tn = len;
        trim(&t, &tn);
        found = tn == tl && !strncasecmp(t, tok, tl);
        if (found && !last_only) return true;
        if (!comma) break;
        s = comma + 1;
        n -= len + 1;
    }
    return found;
}

static void status_line(h1_parser_t *p, const char *s, size_t n)
{
    if (n == 0) return; /* empty lines before a status line are ignored (RFC 9112 2.2) */
    /* HTTP/1.x SP 3DIGIT [SP reason] */
    if (n < 12 || memcmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (n > 12 && s[12] != ' ')) {
        fail(p, "malformed status line");
        return;
    }
    p->status = (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
    /* HTTP/1.0 closes unless told otherwise (a keep-alive header below). */
    p->close = s[7] == '0';
    p->content_length = -1;
    p->chunked = p->te = false;
    p->header_bytes = 0;
    p->state = H1P_HEADERS;
}

static void header_field(h1_parser_t *p, const char *s, size_t n)
{
    if (is_space(s[0])) return; /* obsolete line folding: part of a value we do not use */
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s || is_space(colon[-1])) {
        fail(p, "malformed header field");
        return;
    }
    size_t nl = (size_t)(colon - s);
    const char *v = colon + 1;
    size_t vn = n - nl - 1;
    trim(&v, &vn);
    if (nl == 14 && !strncasecmp(s, "content-length", 14)) {
        int64_t len = http_content_length(v, vn);
        if (len < 0) {
            fail(p, "invalid content-length");
            return;
        }
        if (p->content_length >= 0 && p->content_length != len) {
            fail(p, "conflicting content-length fields");
            return;
        }
        p->content_length = len;
    } else if (nl == 17 && !strncasecmp(s, "transfer-encoding", 17)) {
        /* chunked must be the last coding; any other framing ends with the
         * connection (RFC 9112 6.3). */
        p->chunked = has_token(v, vn, "chunked", true);
        p->te = true;
        if (!p->chunked) p->close = true;
    } else if (nl == 10 && !strncasecmp(s, "connection", 10)) {
        if (has_token(v, vn, "close", false))
            p->close = true;
        else if (has_token(v, vn, "keep-alive", false))
            p->close = false;
    }
}

static void end_of_headers(h1_parser_t *p)
{
    p->headers_seen = true;
    if (p->status < 200) {
        if (p->status == 101) {
            fail(p, "101 Switching Protocols: not an HTTP/1.1 response");
            return;
        }
        p->state = H1P_STATUS; /* interim response: the final one follows */
        return;
    }
    if (p->head || p->status == 204 || p->status == 304) {
        p->state = H1P_DONE;
    } else if (p->chunked) {
        p->state = H1P_CHUNK_SIZE;
        if (p->content_length >= 0) p->close = true; /* both: a smuggling smell, do not reuse */
    } else if (p->te) {
        /* Transfer-Encoding without chunked last: the body ends with the
         * connection, whatever Content-Length says (RFC 9112 6.3). */
        p->state = H1P_UNTIL_EOF;
    } else if (p->content_length >= 0) {
        p->remaining = (uint64_t)p->content_length;
        p->state = p->remaining ? H1P_BODY : H1P_DONE;
    } else {
        p->close = true;
        p->state = H1P_UNTIL_EOF;
    }
}

static void chunk_size(h1_parser_t *p, const char *s, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) break;
        if (size >> 56) {
            fail(p, "chunk size too large");
            return;
        }
        size = size << 4 | (uint64_t)d;
    }
    while (i < n && is_space(s[i]))
        i++;
    if (i == 0 || (i < n && s[i] != ';')) {
        fail(p, "malformed chunk size");
        return;
    }
    if (size == 0) {
        p->state = H1P_TRAILERS;
        p->header_bytes = 0;
    } else {
        p->remaining = size;
        p->state = H1P_CHUNK_DATA;
    }
}

/* One complete line (without its CR LF). */
static void line(h1_parser_t *p, const char *s, size_t n)
{
    switch (p->state) {
    case H1P_STATUS:
        status_line(p, s, n);
        break;
    case H1P_HEADERS:
    case H1P_TRAILERS:
        p->header_bytes += n + 2;
        if (p->header_bytes > H1P_MAX_HEADERS) {
            fail(p, "response header fields over 64 KiB");
            return;
        }
        if (n == 0) {
            if (p->state == H1P_TRAILERS)
                p->state = H1P_DONE;
            else
                end_of_headers(p);
        } else if (p->state == H1P_HEADERS) {
            header_field(p, s, n);
        }
        break;
    case H1P_CHUNK_SIZE:
        chunk_size(p, s, n);
        break;
    case H1P_CHUNK_END:
        if (n)
            fail(p, "chunk data longer than its chunk size");
        else
            p->state = H1P_CHUNK_SIZE;
        break;
    default:
        break;
    }
}

static bool line_state(h1p_state s)
{
    return s == H1P_STATUS || s == H1P_HEADERS || s == H1P_CHUNK_SIZE || s == H1P_CHUNK_END ||
           s == H1P_TRAILERS;
}

/* Keep the start of a line that continues in the next read. */
static bool keep_partial(h1_parser_t *p, const uint8_t *s, size_t n)
{
    if (p->line_len + n > H1P_MAX_LINE) {
        fail(p, "response line over 16 KiB");
        return false;
    }
    if (p->line_len + n > p->line_cap) {
        size_t cap = p->line_cap ? p->line_cap : 256;
        while (cap < p->line_len + n)
            cap *= 2;
        if (cap > H1P_MAX_LINE) cap = H1P_MAX_LINE;
        char *nl = realloc(p->line, cap);
        if (!nl) {
            fail(p, "out of memory");
            return false;
        }
        p->line = nl;
        p->line_cap = cap;
    }
    memcpy(p->line + p->line_len, s, n);
    p->line_len += n;
    return true;
}

size_t h1p_feed(h1_parser_t *p, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len && p->state != H1P_DONE && p->state != H1P_ERROR) {
        if (line_state(p->state)) {
            const uint8_t *lf = memchr(data + i, '\n', len - i);
            if (!lf) {
                keep_partial(p, data + i, len - i);
                return len;
            }
            size_t n = (size_t)(lf - (data + i));
            const char *s = (const char *)data + i;
            i += n + 1;
            if (p->line_len) {
                if (!keep_partial(p, (const uint8_t *)s, n)) return i;
                s = p->line;
                n = p->line_len;
                p->line_len = 0;
            }
            if (n && s[n - 1] == '\r') n--;
            if (n > H1P_MAX_LINE) {
                fail(p, "response line over 16 KiB");
                break;
            }
            line(p, s, n);
            continue;
        }
        size_t take = len - i;
        if (p->state != H1P_UNTIL_EOF && take > p->remaining) take = (size_t)p->remaining;
        p->body_bytes += take;
        i += take;
        if (p->state == H1P_UNTIL_EOF) continue;
        p->remaining -= take;
        if (p->remaining == 0) p->state = p->state == H1P_BODY ? H1P_DONE : H1P_CHUNK_END;
    }
    if (p->state == H1P_DONE || p->state == H1P_ERROR) h1p_free(p);
    return i;
}

void h1p_eof(h1_parser_t *p)
{
    if (p->state == H1P_UNTIL_EOF)
        p->state = H1P_DONE;
    else if (p->state != H1P_DONE && p->state != H1P_ERROR)
        fail(p, p->state == H1P_STATUS && !p->headers_seen && !p->line_len
                    ? "connection closed before the response"
                    : "connection closed in the middle of the response");
    h1p_free(p);
}
