/* h2_client.c - nghttp2 client session and its callbacks. */
#include "layers/h2_client.h"
#include "layers/h2_mem.h"
#include "layers/http_fields.h"
#include "layers/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/record.h"
#include "engine/worker.h"

/* Large windows so that flow control never throttles a measurement unless the
 * server's own window does. */
#define H2_WINDOW (16 * 1024 * 1024)

/* Retries are bounded. A request the server never processed (REFUSED_STREAM,
 * or above a GOAWAY's last-stream-id) is normally sent again, but a server
 * that refuses everything would then make a -n run retry forever. So this
 * counts retries with no response in between; past the limit, refused
 * requests fail until a response arrives again. Per thread because each
 * worker is one thread, and its connection and worker structures belong to
 * the engine. */
static _Thread_local uint64_t retry_streak;

/* Every request in flight may legitimately be refused about twice in a row
 * (a GOAWAY refusing a full window of streams, then once more on the next
 * connection); far beyond that the server is refusing everything. */
static uint64_t retry_limit(const worker_t *w)
{
    return 8 + 2ull * w->cfg->streams * w->n_conns;
}

static void retry_or_fail(conn_t *c, stream_t *st, const char *why)
{
    if (++retry_streak <= retry_limit(c->w)) {
        record_stream_retry(c, st);
        return;
    }
    char reason[96];
    snprintf(reason, sizeof reason, "%s (retries exhausted)", why);
    record_stream_failed(c, st, "ttfb", reason);
}

/* A stream ended while we were sending (our own RST_STREAM after a timeout
 * or for a protocol error nghttp2 found in a response, our GOAWAY after a
 * protocol error), not while reading: no read will come to make the
 * connection re-evaluate itself (close when done, start the next request).
 * conn_progress looks at this after every flush. Set while reading too, it
 * does no harm: every read is followed by conn_progress, which clears it
 * before it flushes. */
static void ended_in_send(conn_t *c)
{
    c->stream_ended_in_send = true;
}

static stream_t *slot_of(nghttp2_session *s, int32_t id)
{
    return nghttp2_session_get_stream_user_data(s, id);
}

/* nghttp2 found a protocol error in what the server sent (for example a
 * response header field over its 64 KiB HPACK limit) and ends the session
 * with GOAWAY(code). It does not close the streams itself, so they would
 * only fail later, as "connection closed by peer", once the server reacts.
 * Fail them now, under the reason that is really theirs. */
static void fail_streams_on_our_goaway(nghttp2_session *s, conn_t *c, uint32_t code)
{
    char reason[128];
    /* nghttp2's HPACK decoder refuses one header field above 64 KiB; that,
     * or corrupt HPACK, is the only way a response makes it say this. */
    snprintf(reason, sizeof reason, "HTTP/2 error: sent GOAWAY %s%s", nghttp2_http2_strerror(code),
             code == NGHTTP2_COMPRESSION_ERROR ? " (response headers too large or corrupt)" : "");
    c->goaway = true; /* no new streams on this session */
    for (uint32_t i = 0; i < c->w->cfg->streams; i++) {
        stream_t *st = &c->streams[i];
        if (!st->id || slot_of(s, st->id) != st) continue;
        nghttp2_session_set_stream_user_data(s, st->id, NULL);
        st->t_done = clock_now();
        c->t.last_stream_done = st->t_done;
        record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb", reason);
    }
    ended_in_send(c);
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    conn_t *c = user;
    switch (f->hd.type) {
    case NGHTTP2_SETTINGS:
        /* SETTINGS found in data that arrived with the handshake's last
         * flight took no time of its own: it counts as 0. */
        if (!(f->hd.flags & NGHTTP2_FLAG_ACK) && !c->t.settings) {
            c->t.settings = c->in_setup_batch ? c->t.tls_done : c->t_last_read;
            c->ready = true;
            worker_setup_done(c->w, c);
        }
        break;
    case NGHTTP2_HEADERS:
        if (f->headers.cat == NGHTTP2_HCAT_RESPONSE) {
            stream_t *st = slot_of(s, f->hd.stream_id);
            if (st && !st->t_headers) st->t_headers = c->t_last_read;
        }
        break;
    case NGHTTP2_GOAWAY:
        c->goaway = true;
        break;
    default:
        break;
    }
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
    (void)flags;
    (void)user;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        stream_t *st = slot_of(s, f->hd.stream_id);
        if (!st) return 0;
        /* Exactly three digits; anything else leaves the status unset and
         * the stream fails as "no valid :status" when it ends. */
        if (valuelen != 3 || value[0] < '1' || value[0] > '9' || value[1] < '0' || value[1] > '9' ||
            value[2] < '0' || value[2] > '9')
            return 0;
        unsigned v = (unsigned)(value[0] - '0') * 100 + (unsigned)(value[1] - '0') * 10 +
                     (unsigned)(value[2] - '0');
        /* 1xx informational responses are not the final status. */
        if (v >= 200 || !st->status) st->status = (uint16_t)v;
    } else if (namelen == 14 && memcmp(name, "content-length", 14) == 0) {
        stream_t *st = slot_of(s, f->hd.stream_id);
        /* -1 when it is not a number: then the body length is not checked. */
        if (st) st->content_length = http_content_length((const char *)value, valuelen);
    }
    return 0;
}

/* Without --strict-h2, nghttp2's per-header RFC 9113 validation is off (it
 * was a fifth of the client's per-request instructions); what a load test
 * must not miss is checked here: a final status, and a body as long as the
 * content-length said (a truncated response). NULL when the response is
 * fine. */
static const char *response_problem(const conn_t *c, const stream_t *st, char *buf, size_t len)
{
    if (st->status < 200) return "response without a valid final :status";
    if (st->content_length >= 0 && !c->w->cfg->head && st->status != 204 && st->status != 304 &&
        (uint64_t)st->content_length != st->bytes) {
        snprintf(buf, len, "response body %llu bytes, content-length %lld",
                 (unsigned long long)st->bytes, (long long)st->content_length);
        return buf;
    }
    return NULL;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *user)
{
    (void)flags;
    (void)data;
    (void)user;
    stream_t *st = slot_of(s, id);
    if (st) st->bytes += len;
    return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    conn_t *c = user;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        stream_t *st = slot_of(s, f->hd.stream_id);
        if (st) st->pending_flush = true;
    } else if (f->hd.type == NGHTTP2_RST_STREAM) {
        /* Ours, before the stream closes: a reset tlsprof sent is reported
         * as such, not as if the server had reset the stream. */
        stream_t *st = slot_of(s, f->hd.stream_id);
        if (st) st->reset_sent = true;
    } else if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code != NGHTTP2_NO_ERROR) {
        fail_streams_on_our_goaway(s, c, f->goaway.error_code);
    }
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *user)
{
    conn_t *c = user;
    stream_t *st = slot_of(s, id);
    if (!st) return 0;
    nghttp2_session_set_stream_user_data(s, id, NULL);
    /* A stream we reset after --request-timeout ends now, not at the last
     * bytes read (which may be long before: a stalled body). */
    st->t_done = c->t_last_read && !st->timed_out ? c->t_last_read : clock_now();
    c->t.last_stream_done = st->t_done;
    ended_in_send(c);
    if (st->timed_out) {
        record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb", "timeout");
    } else if (error_code == NGHTTP2_NO_ERROR && st->t_headers) {
        retry_streak = 0;
        char why[96];
        const char *bad = response_problem(c, st, why, sizeof why);
        if (bad)
            record_stream_failed(c, st, st->status < 200 ? "ttfb" : "stream", bad);
        else
            record_stream_ok(c, st);
    } else if (!st->t_headers && (error_code == NGHTTP2_REFUSED_STREAM || c->goaway)) {
        /* The server never processed it (REFUSED_STREAM, or above the GOAWAY
         * last-stream-id): safe to send again on another connection. */
        retry_or_fail(c, st,
                      error_code == NGHTTP2_REFUSED_STREAM ? "RST_STREAM REFUSED_STREAM"
                                                           : "not processed before GOAWAY");
    } else {
        char reason[96];
        if (error_code == NGHTTP2_NO_ERROR)
            snprintf(reason, sizeof reason, "stream closed without a response");
        else if (st->reset_sent)
            /* nghttp2 (--strict-h2) found the response malformed and reset it. */
            snprintf(reason, sizeof reason, "invalid response (sent RST_STREAM %s)",
                     nghttp2_http2_strerror(error_code));
        else
            snprintf(reason, sizeof reason, "RST_STREAM %s", nghttp2_http2_strerror(error_code));
        record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb", reason);
    }
    return 0;
}

static int on_frame_not_send(nghttp2_session *s, const nghttp2_frame *f, int lib_error, void *user)
{
    conn_t *c = user;
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    stream_t *st = slot_of(s, f->hd.stream_id);
    if (!st) return 0;
    nghttp2_session_set_stream_user_data(s, f->hd.stream_id, NULL);
    if (lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED ||
        lib_error == NGHTTP2_ERR_STREAM_CLOSING) {
        retry_or_fail(c, st, "request not sent before GOAWAY");
    } else {
        char reason[96];
        snprintf(reason, sizeof reason, "request not sent: %s", nghttp2_strerror(lib_error));
        record_stream_failed(c, st, "ttfb", reason);
    }
    return 0;
}

nghttp2_session_callbacks *h2_client_callbacks_new(void)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0) return NULL;
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_frame_not_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    return cb;
}

nghttp2_option *h2_client_option_new(const run_config_t *cfg)
{
    nghttp2_option *opt;
    if (nghttp2_option_new(&opt) != 0) return NULL;
    /* We never push; and an unlimited header list would let a hostile server
     * make us buffer without bound. */
    nghttp2_option_set_max_send_header_block_length(opt, 64 * 1024);
    /* HPACK's dynamic table stays on (4 KiB, nghttp2's default): after the
     * first request, :authority and user-agent go out as one-byte indexes
     * instead of Huffman-coded literals, which saves encoding work here and
     * decoding work on the server. It costs a few hundred bytes per
     * connection for the two entries. */
    if (!cfg->strict_h2) nghttp2_option_set_no_http_messaging(opt, 1);
    return opt;
}

static nghttp2_nv make_nv(const char *name, const char *value)
{
    nghttp2_nv nv = {(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value),
                     NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    return nv;
}

int h2_client_build_nva(const run_config_t *cfg, nghttp2_nv **out, size_t *len)
{
    size_t n = 5 + cfg->n_headers;
    nghttp2_nv *nva = calloc(n, sizeof *nva);
    if (!nva) return -1;
    size_t i = 0;
    nva[i++] = make_nv(":method", cfg->method);
    nva[i++] = make_nv(":scheme", "https");
    nva[i++] = make_nv(":authority", cfg->url.authority);
    nva[i++] = make_nv(":path", cfg->url.path);
    if (!http_user_agent_given(cfg)) nva[i++] = make_nv("user-agent", HTTP_USER_AGENT);
    for (size_t h = 0; h < cfg->n_headers; h++)
        nva[i++] = make_nv(cfg->headers[h].name, cfg->headers[h].value);
    *out = nva;
    *len = i;
    return 0;
}

static int h2_start(conn_t *c)
{
    worker_t *w = c->w;
    /* nghttp2 allocates through the worker's block cache, and serialises
     * frames into the worker's shared frame buffer (h2_mem.h). */
    h2_mem_session_init(&c->h2mem, &w->h2mem);
    if (nghttp2_session_client_new3(&c->h2, w->h2_callbacks, c, w->h2_option, &c->h2mem.mem) != 0)
        return -1;
    /* The session has just written the client preface into the shared frame
     * buffer: take it out now, before another session can overwrite it, and
     * let conn_flush send the constant instead. */
    const uint8_t *magic;
    if (nghttp2_session_mem_send(c->h2, &magic) != NGHTTP2_CLIENT_MAGIC_LEN) return -1;
    c->h2_preface = true;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0)
        return -1;
    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, H2_WINDOW);
    return 0;
}

static int h2_submit(conn_t *c, bool measured, mono_ns intended)
{
    worker_t *w = c->w;
    stream_t *st = NULL;
    for (uint32_t i = 0; i < w->cfg->streams; i++) {
        if (c->streams[i].id == 0) {
            st = &c->streams[i];
            break;
        }
    }
    if (!st) return -1;
    memset(st, 0, sizeof *st);
    st->measured = measured;
    st->content_length = -1;
    st->t_intended = intended;
    st->t_submit = clock_now();
    int32_t id = nghttp2_submit_request(c->h2, NULL, w->nva, w->nva_len, NULL, st);
    if (id < 0) return -1;
    st->id = id;
    c->inflight++;
    return 0;
}

static int h2_recv(conn_t *c, const uint8_t *data, size_t len, char *reason, size_t rlen)
{
    ssize_t rv = nghttp2_session_mem_recv(c->h2, data, len);
    if (rv >= 0) return 0;
    snprintf(reason, rlen, "HTTP/2 protocol error: %s", nghttp2_strerror((int)rv));
    return -1;
}

static const char *h2_eof(conn_t *c)
{
    (void)c;
    return NULL; /* HTTP/2 frames its own ends: EOF completes nothing */
}

static ssize_t h2_pull(conn_t *c, const uint8_t **data, char *reason, size_t rlen)
{
    if (c->h2_preface) {
        /* Taken out of nghttp2 when the session was created (h2_start). */
        static const uint8_t magic[] = NGHTTP2_CLIENT_MAGIC;
        c->h2_preface = false;
        *data = magic;
        return NGHTTP2_CLIENT_MAGIC_LEN;
    }
    ssize_t len = nghttp2_session_mem_send(c->h2, data);
    if (len >= 0) return len;
    snprintf(reason, rlen, "HTTP/2 error: %s", nghttp2_strerror((int)len));
    return -1;
}

static bool h2_want_write(const conn_t *c)
{
    return c->h2_preface || nghttp2_session_want_write(c->h2);
}

static void h2_terminate(conn_t *c)
{
    nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
}

static void h2_cancel(conn_t *c, stream_t *st)
{
    nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
}

static void h2_detach(conn_t *c, stream_t *st)
{
    nghttp2_session_set_stream_user_data(c->h2, st->id, NULL);
}

static void h2_end(conn_t *c)
{
    if (c->h2) nghttp2_session_del(c->h2);
    c->h2 = NULL;
    c->h2_preface = false;
}

const session_ops_t session_h2 = {
    .alpn = "h2",
    .ready_at_start = false,
    .start = h2_start,
    .submit = h2_submit,
    .recv = h2_recv,
    .eof = h2_eof,
    .pull = h2_pull,
    .want_write = h2_want_write,
    .terminate = h2_terminate,
    .cancel = h2_cancel,
    .detach = h2_detach,
    .end = h2_end,
};
