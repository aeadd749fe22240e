/* test_h1_parse.c - the HTTP/1.1 response parser against responses written
 * out by hand: the expected status, body length and connection reuse are
 * read off the RFC 9112 framing rules, not computed. Every response is also
 * fed split at every byte position and one byte at a time, so no result may
 * depend on how the reads happen to cut it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "layers/h1_parse.h"

typedef struct expect {
    const char *name;
    const char *text; /* the bytes on the wire */
    bool head;        /* the request was HEAD */
    bool eof;         /* the connection ends after the text */
    h1p_state state;  /* H1P_DONE or H1P_ERROR */
    uint16_t status;
    uint64_t body;
    bool close;
    size_t trailing;   /* bytes after the response that feed must not take */
    const char *error; /* substring of the reason, for H1P_ERROR */
} expect_t;

static const expect_t cases[] = {
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, false, H1P_DONE,
     200, 5, false, 0, NULL},
    {"zero length", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", false, false, H1P_DONE, 200, 0,
     false, 0, NULL},
    {"chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n "
     "world\r\n0\r\n\r\n",
     false, false, H1P_DONE, 200, 11, false, 0, NULL},
    {"chunked with trailers",
     "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-T: "
     "1\r\nY: 2\r\n\r\n",
     false, false, H1P_DONE, 200, 10, false, 0, NULL},
    {"chunked upper hex",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
     "chunked\r\n\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n\r\n",
     false, false, H1P_DONE, 200, 31, false, 0, NULL},
    {"until eof", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabcdefg", false, true, H1P_DONE, 200, 7,
     true, 0, NULL},
    {"not chunked last: until eof",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc", false, true, H1P_DONE, 200,
     3, true, 0, NULL},
    {"not chunked last overrides length",
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: gzip\r\n\r\nabcd", false, true,
     H1P_DONE, 200, 4, true, 0, NULL},
    {"head ignores length", "HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n", true, false, H1P_DONE,
     200, 0, false, 0, NULL},
    {"204", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false, false, H1P_DONE, 204, 0,
     false, 0, NULL},
    {"304", "HTTP/1.1 304 Not Modified\r\n\r\n", false, false, H1P_DONE, 304, 0, false, 0, NULL},
    {"100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     false, false, H1P_DONE, 200, 2, false, 0, NULL},
    {"103 then 404",
     "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: "
     "3\r\n\r\nno!",
     false, false, H1P_DONE, 404, 3, false, 0, NULL},
    {"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
     false, false, H1P_DONE, 200, 1, true, 0, NULL},
    {"connection close in a list",
     "HTTP/1.1 200 OK\r\nConnection: Upgrade,  CLOSE \r\nContent-Length: 1\r\n\r\nx", false, false,
     H1P_DONE, 200, 1, true, 0, NULL},
    {"http/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false, false, H1P_DONE,
     200, 1, true, 0, NULL},
    {"http/1.0 keep-alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false, false,
     H1P_DONE, 200, 1, false, 0, NULL},
    {"bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", false, false, H1P_DONE, 200, 3,
     false, 0, NULL},
    {"empty lines before status", "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", false,
     false, H1P_DONE, 200, 1, false, 0, NULL},
    {"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nz", false, false, H1P_DONE, 200,
     1, false, 0, NULL},
    {"both TE and CL: chunked wins, then close",
     "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: "
     "chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
     false, false, H1P_DONE, 200, 2, true, 0, NULL},
    {"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
     false, false, H1P_DONE, 200, 2, false, 0, NULL},
    {"trailing bytes", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabEXTRA", false, false,
     H1P_DONE, 200, 2, false, 5, NULL},
    {"bad status line", "HTTP/2 200 OK\r\n\r\n", false, false, H1P_ERROR, 0, 0, false, 0,
     "malformed status line"},
    {"bad status code", "HTTP/1.1 2x0 OK\r\n\r\n", false, false, H1P_ERROR, 0, 0, false, 0,
     "malformed status line"},
    {"bad length", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", false, false, H1P_ERROR, 200,
     0, false, 0, "invalid content-length"},
    {"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
     false, false, H1P_ERROR, 200, 0, false, 0, "conflicting content-length"},
    {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, false,
     H1P_ERROR, 200, 0, false, 0, "malformed chunk size"},
    {"chunk longer than said",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", false, false,
     H1P_ERROR, 200, 2, false, 0, "longer than its chunk size"},
    {"header without colon", "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", false, false, H1P_ERROR,
     200, 0, false, 0, "malformed header field"},
    {"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", false, false, H1P_ERROR,
     101, 0, false, 0, "101 Switching Protocols"},
    {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true, H1P_ERROR,
     200, 3, false, 0, "closed in the middle of the response"},
    {"truncated chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false,
     true, H1P_ERROR, 200, 3, false, 0, "closed in the middle"},
    {"nothing at all", "", false, true, H1P_ERROR, 0, 0, false, 0, "closed before the response"},
};

/* Feed t in pieces cut at the given positions; checks the outcome. */
static void run_case(const expect_t *e, const size_t *cuts, size_t ncuts, const char *how)
{
    h1_parser_t p;
    memset(&p, 0, sizeof p);
    h1p_init(&p, e->head);
    size_t len = strlen(e->text), pos = 0, unused = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        if (end < pos) continue;
        size_t used = h1p_feed(&p, (const uint8_t *)e->text + pos, end - pos);
        unused += end - pos - used;
        pos = end;
        if (p.state == H1P_ERROR) break;
    }
    if (e->eof) h1p_eof(&p);
    if (p.state != e->state)
        fail_msg("%s (%s): state %d, want %d (%s)", e->name, how, p.state, e->state,
                 p.error ? p.error : "");
    if (e->state == H1P_ERROR) {
        if (!p.error || !strstr(p.error, e->error))
            fail_msg("%s (%s): error '%s'", e->name, how, p.error);
    } else {
        if (p.status != e->status) fail_msg("%s (%s): status %u", e->name, how, p.status);
        if (p.close != e->close) fail_msg("%s (%s): close %d", e->name, how, p.close);
        if (unused != e->trailing) fail_msg("%s (%s): %zu bytes left unused", e->name, how, unused);
    }
    if (p.body_bytes != e->body)
        fail_msg("%s (%s): body %llu, want %llu", e->name, how, (unsigned long long)p.body_bytes,
                 (unsigned long long)e->body);
    h1p_free(&p);
}

static void every_response_whole_split_and_bytewise(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const expect_t *e = &cases[i];
        size_t len = strlen(e->text);
        run_case(e, NULL, 0, "whole");
        for (size_t cut = 0; cut <= len; cut++)
            run_case(e, &cut, 1, "split");
        size_t *cuts = malloc((len + 1) * sizeof *cuts);
        for (size_t k = 0; k <= len; k++)
            cuts[k] = k;
        run_case(e, cuts, len, "byte by byte");
        free(cuts);
    }
}

static void limits(void **state)
{
    (void)state;
    /* A 20 KiB header line, in one piece and in pieces. */
    size_t n = 20 * 1024;
    char *big = malloc(n + 64);
    int k = snprintf(big, n + 64, "HTTP/1.1 200 OK\r\nX: ");
    memset(big + k, 'a', n);
    memcpy(big + k + n, "\r\n\r\n", 5);
    h1_parser_t p = {0};
    h1p_init(&p, false);
    h1p_feed(&p, (const uint8_t *)big, strlen(big));
    assert_int_equal(p.state, H1P_ERROR);
    assert_non_null(strstr(p.error, "16 KiB"));
    h1p_init(&p, false);
    for (size_t off = 0; off < strlen(big) && p.state != H1P_ERROR; off += 1000)
        h1p_feed(&p, (const uint8_t *)big + off,
                 strlen(big) - off < 1000 ? strlen(big) - off : 1000);
    assert_int_equal(p.state, H1P_ERROR);
    free(big);
    /* 100 lines of 1 KiB: over the 64 KiB a header block may have. */
    h1p_init(&p, false);
    h1p_feed(&p, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17);
    char line[1100];
    memset(line, 'b', sizeof line);
    memcpy(line, "X-Pad: ", 7);
    memcpy(line + sizeof line - 2, "\r\n", 2);
    for (int i = 0; i < 100 && p.state != H1P_ERROR; i++)
        h1p_feed(&p, (const uint8_t *)line, sizeof line);
    assert_int_equal(p.state, H1P_ERROR);
    assert_non_null(strstr(p.error, "64 KiB"));
    h1p_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_response_whole_split_and_bytewise),
        cmocka_unit_test(limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
