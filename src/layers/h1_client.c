/* h1_client.c - HTTP/1.1 as session_h1 (session.h), for --h1.
 *
 * One request at a time per connection (-m 1), no pipelining: the next
 * request leaves when the previous response has ended, as browsers and
 * h2load --h1 do. The request text is built once per worker (h1_request_build)
 * and sent from there; the response is parsed as it arrives (h1_parse.c).
 * The response's header block ending is its ttfb (as HEADERS is for HTTP/2),
 * the end of its body the stream's end. A response that says
 * "Connection: close" (or an HTTP/1.0 one) ends the connection's use:
 * no request follows on it, and the server's close is expected. */
#include "layers/h1_client.h"
#include "layers/http_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/record.h"
#include "engine/worker.h"
#include "layers/session.h"

int h1_request_build(const run_config_t *cfg, char **out, size_t *len)
{
    /* Fresh connections with --close server ask the server to close first. */
    bool close = cfg->mode == MODE_FRESH && cfg->close == CLOSE_SERVER;
    size_t need = strlen(cfg->method) + strlen(cfg->url.path) + strlen(cfg->url.authority) + 128;
    for (size_t h = 0; h < cfg->n_headers; h++)
        need += strlen(cfg->headers[h].name) + strlen(cfg->headers[h].value) + 4;
    char *buf = malloc(need);
    if (!buf) return -1;
    int n = snprintf(buf, need, "%s %s HTTP/1.1\r\nhost: %s\r\n", cfg->method, cfg->url.path,
                     cfg->url.authority);
    if (!http_user_agent_given(cfg))
        n += snprintf(buf + n, need - (size_t)n, "user-agent: " HTTP_USER_AGENT "\r\n");
    for (size_t h = 0; h < cfg->n_headers; h++)
        n += snprintf(buf + n, need - (size_t)n, "%s: %s\r\n", cfg->headers[h].name,
                      cfg->headers[h].value);
    if (close) n += snprintf(buf + n, need - (size_t)n, "connection: close\r\n");
    n += snprintf(buf + n, need - (size_t)n, "\r\n");
    *out = buf;
    *len = (size_t)n;
    return 0;
}

static int h1_start(conn_t *c)
{
    h1_conn_t *h = &c->h1;
    h1p_free(&h->parser);
    memset(h, 0, sizeof *h);
    h->next_id = 1;
    return 0;
}

static int h1_submit(conn_t *c, bool measured, mono_ns intended)
{
    h1_conn_t *h = &c->h1;
    if (h->st || c->goaway) return -1; /* one at a time; none after "close" */
    stream_t *st = &c->streams[0];
    memset(st, 0, sizeof *st);
    st->measured = measured;
    st->content_length = -1;
    st->t_intended = intended;
    st->t_submit = clock_now();
    st->id = h->next_id;
    h->next_id += 2;
    h->st = st;
    h->send = true;
    h->discard = false;
    h->rx = 0;
    h1p_init(&h->parser, c->w->cfg->head);
    c->inflight++;
    return 0;
}

/* The response ended: the stream is measured. */
static void complete(conn_t *c)
{
    h1_conn_t *h = &c->h1;
    stream_t *st = h->st;
    h->st = NULL;
    st->status = h->parser.status;
    st->bytes = h->parser.body_bytes;
    st->t_done = c->t_last_read;
    c->t.last_stream_done = st->t_done;
    h->served++;
    if (h->parser.close) c->goaway = c->server_closes = true; /* no more requests here */
    record_stream_ok(c, st);
}

static int h1_recv(conn_t *c, const uint8_t *data, size_t len, char *reason, size_t rlen)
{
    h1_conn_t *h = &c->h1;
    if (h->discard) return 0; /* the answer to a request given up on (timeout) */
    stream_t *st = h->st;
    if (!st) {
        snprintf(reason, rlen, "HTTP/1.1: %zu bytes from the server with no request outstanding",
                 len);
        return -1;
    }
    h->rx += len;
    size_t used = h1p_feed(&h->parser, data, len);
    if (h->parser.headers_seen && !st->t_headers) {
        st->t_headers = c->t_last_read;
        st->status = h->parser.status;
    }
    if (h->parser.state == H1P_ERROR) {
        snprintf(reason, rlen, "invalid HTTP/1.1 response: %s", h->parser.error);
        return -1;
    }
    if (h->parser.state != H1P_DONE) return 0;
    complete(c);
    if (used < len) {
        snprintf(reason, rlen, "HTTP/1.1: %zu bytes from the server after the response",
                 len - used);
        return -1;
    }
    return 0;
}

/* RFC 9110 9.2.2: safe to send again when the server may not have seen it. */
static bool idempotent(const char *method)
{
    static const char *const ok[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(method, ok[i])) return true;
    return false;
}

static const char *h1_eof(conn_t *c)
{
    h1_conn_t *h = &c->h1;
    if (!h->st || h->discard) return NULL;
    if (h->served && !h->rx && idempotent(c->w->cfg->method)) {
        /* A kept-alive connection the server closed just as the request
         * left (its idle timeout): not one byte of an answer, so the
         * request goes again, on another connection, as browsers do. A
         * fresh connection's first request is never retried: a server
         * that closes without answering must show as an error. */
        stream_t *st = h->st;
        h->st = NULL;
        h1p_free(&h->parser);
        record_stream_retry(c, st);
        return NULL;
    }
    h1p_eof(&h->parser);
    if (h->parser.state == H1P_DONE) {
        complete(c); /* a body that ends with the connection */
        return NULL;
    }
    return h->parser.error;
}

static ssize_t h1_pull(conn_t *c, const uint8_t **data, char *reason, size_t rlen)
{
    (void)reason;
    (void)rlen;
    h1_conn_t *h = &c->h1;
    if (!h->send) return 0;
    h->send = false;
    h->st->pending_flush = true; /* t_sent is taken once it is written */
    *data = (const uint8_t *)c->w->h1_request;
    return (ssize_t)c->w->h1_request_len;
}

static bool h1_want_write(const conn_t *c)
{
    return c->h1.send;
}

static void h1_terminate(conn_t *c)
{
    (void)c; /* HTTP/1.1 has no goodbye: close_notify and the FIN say it */
}

/* An HTTP/1.1 request cannot be taken back: the stream fails now, the
 * connection is not used again, and what still arrives for it is dropped. */
static void h1_cancel(conn_t *c, stream_t *st)
{
    h1_conn_t *h = &c->h1;
    if (h->st != st) return;
    h->st = NULL;
    h->discard = true;
    c->goaway = true;
    st->t_done = clock_now();
    c->t.last_stream_done = st->t_done;
    record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb", "timeout");
}

static void h1_detach(conn_t *c, stream_t *st)
{
    if (c->h1.st == st) c->h1.st = NULL;
}

static void h1_end(conn_t *c)
{
    h1p_free(&c->h1.parser);
    c->h1.st = NULL;
    c->h1.send = false;
}

const session_ops_t session_h1 = {
    .alpn = "http/1.1",
    .ready_at_start = true,
    .start = h1_start,
    .submit = h1_submit,
    .recv = h1_recv,
    .eof = h1_eof,
    .pull = h1_pull,
    .want_write = h1_want_write,
    .terminate = h1_terminate,
    .cancel = h1_cancel,
    .detach = h1_detach,
    .end = h1_end,
};
