/* h2_client.c - nghttp2 client session and its callbacks. */
#include "layers/h2_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conn.h"
#include "engine/record.h"
#include "engine/worker.h"

/* Large windows so that flow control never throttles a measurement unless the
 * server's own window does. */
#define H2_WINDOW (16 * 1024 * 1024)

static stream_t *slot_of(nghttp2_session *s, int32_t id)
{
    return nghttp2_session_get_stream_user_data(s, id);
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    conn_t *c = user;
    switch (f->hd.type) {
    case NGHTTP2_SETTINGS:
        /* SETTINGS found in data that arrived with the handshake's last
         * flight took no time of its own: it counts as 0. */
        if (!(f->hd.flags & NGHTTP2_FLAG_ACK) && !c->t.settings)
            c->t.settings = c->in_setup_batch ? c->t.tls_done : c->t_last_read;
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
    default: break;
    }
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
    (void)flags;
    (void)user;
    if (f->hd.type != NGHTTP2_HEADERS || namelen != 7 || memcmp(name, ":status", 7) != 0) return 0;
    stream_t *st = slot_of(s, f->hd.stream_id);
    if (!st) return 0;
    unsigned v = 0;
    for (size_t i = 0; i < valuelen && i < 3; i++) v = v * 10 + (unsigned)(value[i] - '0');
    /* 1xx informational responses are not the final status. */
    if (v >= 200 || !st->status) st->status = (uint16_t)v;
    return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                         void *user)
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
    (void)user;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        stream_t *st = slot_of(s, f->hd.stream_id);
        if (st) st->pending_flush = true;
    }
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *user)
{
    conn_t *c = user;
    stream_t *st = slot_of(s, id);
    if (!st) return 0;
    nghttp2_session_set_stream_user_data(s, id, NULL);
    st->t_done = c->t_last_read ? c->t_last_read : clock_now();
    c->t.last_stream_done = st->t_done;
    if (st->timed_out) {
        record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb", "timeout");
    } else if (error_code == NGHTTP2_NO_ERROR && st->t_headers) {
        record_stream_ok(c, st);
    } else if (!st->t_headers && (error_code == NGHTTP2_REFUSED_STREAM || c->goaway)) {
        /* The server never processed it (REFUSED_STREAM, or above the GOAWAY
         * last-stream-id): safe to send again on another connection. */
        record_stream_retry(c, st);
    } else {
        char reason[96];
        if (error_code == NGHTTP2_NO_ERROR)
            snprintf(reason, sizeof reason, "stream closed without a response");
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
    if (lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED || lib_error == NGHTTP2_ERR_STREAM_CLOSING) {
        record_stream_retry(c, st);
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

nghttp2_option *h2_client_option_new(void)
{
    nghttp2_option *opt;
    if (nghttp2_option_new(&opt) != 0) return NULL;
    /* We never push; and an unlimited header list would let a hostile server
     * make us buffer without bound. */
    nghttp2_option_set_max_send_header_block_length(opt, 64 * 1024);
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
    bool has_ua = false;
    for (size_t h = 0; h < cfg->n_headers; h++) has_ua |= !strcmp(cfg->headers[h].name, "user-agent");
    if (!has_ua) nva[i++] = make_nv("user-agent", "tlsprof/" TLSPROF_VERSION);
    for (size_t h = 0; h < cfg->n_headers; h++) nva[i++] = make_nv(cfg->headers[h].name, cfg->headers[h].value);
    *out = nva;
    *len = i;
    return 0;
}

int h2_client_start(conn_t *c)
{
    worker_t *w = c->w;
    if (nghttp2_session_client_new2(&c->h2, w->h2_callbacks, c, w->h2_option) != 0) return -1;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0) return -1;
    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, H2_WINDOW);
    return 0;
}

int h2_client_submit(conn_t *c, bool measured, mono_ns intended)
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
    st->t_intended = intended;
    st->t_submit = clock_now();
    int32_t id = nghttp2_submit_request(c->h2, NULL, w->nva, w->nva_len, NULL, st);
    if (id < 0) return -1;
    st->id = id;
    c->inflight++;
    return 0;
}
