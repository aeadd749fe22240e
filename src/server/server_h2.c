/* server_h2.c - the HTTP/2 side of a connection: nghttp2 callbacks, the one
 * response every request gets, and the stream-level faults. */
#include "server/server_internal.h"

#include <stdio.h>
#include <string.h>

/* Every body is served from this one buffer. nghttp2 never asks for more
 * than one frame payload (16 KiB) per read callback. */
static const uint8_t body_bytes[16384];

_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "body sizes are kept in a pointer");

/* nghttp2 hands the read callback its own stored copy of the provider's
 * source on every call, so source->ptr serves as the stream's "bytes left"
 * counter without any per-request allocation. */
static ssize_t body_read(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    uintptr_t left = (uintptr_t)source->ptr;
    size_t n = length < left ? length : (size_t)left;
    if (n > sizeof body_bytes) n = sizeof body_bytes;
    memcpy(buf, body_bytes, n);
    left -= n;
    source->ptr = (void *)left;
    if (!left) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* stall-response: the body never becomes ready. */
static ssize_t stall_read(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                          uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    return NGHTTP2_ERR_DEFERRED;
}

static void count_fault_once(conn_t *c)
{
    if (c->fault_counted) return;
    c->fault_counted = 1;
    counter_add(&c->w->counters.faults, 1);
}

#define NV(n, v, len, fl)                                                                          \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (len), (fl)                                 \
    }
#define NOCOPY (NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE)

static int respond(conn_t *c, int32_t stream_id)
{
    server_t *srv = c->w->srv;
    server_fault fault = c->faulted ? srv->cfg.fault : FAULT_NONE;
    int head = nghttp2_session_get_stream_user_data(c->h2, stream_id) != NULL;
    uint64_t body = srv->cfg.body_size;
    uint64_t announced = body; /* the content-length sent */
    char length_buf[24];
    const char *length = srv->content_length;
    uint8_t length_flags = NOCOPY;

    if (fault == FAULT_FLOW_STALL) {
        /* Promise more than the client lets us send; once the response is
         * queued, incoming frames are dropped (drop_input), so WINDOW_UPDATE
         * never reopens the window and the body stops exactly at it. */
        int32_t window = nghttp2_session_get_stream_remote_window_size(c->h2, stream_id);
        int32_t conn_window = nghttp2_session_get_remote_window_size(c->h2);
        if (conn_window < window) window = conn_window;
        if (window < 0) window = 0;
        if (body <= (uint64_t)window) body = (uint64_t)window + 16384;
        announced = body;
    }
    /* A truncated response: the body ends (END_STREAM) arg bytes short of
     * what content-length announced. */
    if (fault == FAULT_SHORT_BODY) announced = body + srv->cfg.fault_arg;
    if (announced != srv->cfg.body_size) {
        snprintf(length_buf, sizeof length_buf, "%llu", (unsigned long long)announced);
        length = length_buf;
        length_flags = NGHTTP2_NV_FLAG_NO_COPY_NAME; /* nghttp2 copies the value */
    }

    nghttp2_nv nv[5] = {
        NV(":status", "200", 3, NOCOPY),
        NV("content-type", "application/octet-stream", 24, NOCOPY),
        NV("content-length", length, strlen(length), length_flags),
        NV("server", "tlsprof", 7, NOCOPY),
        NV("x-huge", srv->huge_header, fault == FAULT_HUGE_HEADERS ? srv->cfg.fault_arg : 0,
           NOCOPY),
    };
    size_t nvlen = fault == FAULT_HUGE_HEADERS ? 5 : 4;
    nghttp2_nv *first = nv;
    if (fault == FAULT_NO_STATUS) {
        first = nv + 1; /* everything but :status */
        nvlen--;
    }

    nghttp2_data_provider provider = {.read_callback = body_read};
    provider.source.ptr = (void *)(uintptr_t)body;
    const nghttp2_data_provider *prd = (!head && body > 0) ? &provider : NULL;
    if (fault == FAULT_STALL_RESPONSE) {
        provider.read_callback = stall_read;
        prd = &provider;
    }
    int rv = nghttp2_submit_response(c->h2, stream_id, first, nvlen, prd);
    if (rv) return rv == NGHTTP2_ERR_NOMEM ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;

    c->requests++;
    counter_add(&c->w->counters.requests, 1);
    if (!c->handshake_done) counter_add(&c->w->counters.early_requests, 1);
    switch (fault) {
    case FAULT_FLOW_STALL:
        c->drop_input = 1;
        /* fallthrough */
    case FAULT_STALL_RESPONSE:
    case FAULT_HUGE_HEADERS:
    case FAULT_SHORT_BODY:
    case FAULT_NO_STATUS:
        count_fault_once(c);
        break;
    case FAULT_GOAWAY_AFTER:
        if (c->requests == srv->cfg.fault_arg) {
            /* Streams above this one were not processed: the client must
             * retry them on a new connection (RFC 9113 6.8). */
            nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_NO_ERROR, NULL, 0);
            c->goaway_sent = 1;
            c->goaway_last_id = stream_id;
            count_fault_once(c);
        }
        break;
    default:
        break;
    }
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn_t *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    int32_t id = frame->hd.stream_id;
    if (c->goaway_sent && id > c->goaway_last_id) {
        /* Opened in the same read as the GOAWAY's last stream: nghttp2 keeps
         * it open (and the connection alive) unless it is reset. */
        return nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM)
                   ? NGHTTP2_ERR_CALLBACK_FAILURE
                   : 0;
    }
    if (c->faulted && c->w->srv->cfg.fault == FAULT_RST_STREAM) {
        counter_add(&c->w->counters.faults, 1);
        return nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id,
                                         (uint32_t)c->w->srv->cfg.fault_arg)
                   ? NGHTTP2_ERR_CALLBACK_FAILURE
                   : 0;
    }
    return respond(c, id);
}

/* Only :method matters: HEAD responses carry no body. The mark is the
 * stream's user data pointer itself, so nothing is allocated. */
static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST &&
        namelen == 7 && !memcmp(name, ":method", 7) && valuelen == 4 && !memcmp(value, "HEAD", 4))
        nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, (void *)1);
    return 0;
}

/* A GOAWAY with an error code means nghttp2 found a protocol error. */
static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn_t *c = user_data;
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR)
        c->h2_error = 1;
    return 0;
}

int server_h2_init(server_t *srv, char *err, size_t errlen)
{
    if (nghttp2_session_callbacks_new(&srv->h2_callbacks) || nghttp2_option_new(&srv->h2_option)) {
        snprintf(err, errlen, "nghttp2: out of memory");
        return -1;
    }
    nghttp2_session_callbacks_set_on_frame_recv_callback(srv->h2_callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_header_callback(srv->h2_callbacks, on_header);
    nghttp2_session_callbacks_set_on_frame_send_callback(srv->h2_callbacks, on_frame_send);
    /* Closed streams are kept only for RFC 7540 priority bookkeeping; with
     * thousands of connections that memory matters more. */
    nghttp2_option_set_no_closed_streams(srv->h2_option, 1);
    if (srv->cfg.fault == FAULT_HUGE_HEADERS)
        nghttp2_option_set_max_send_header_block_length(srv->h2_option,
                                                        (size_t)srv->cfg.fault_arg + 4096);
    return 0;
}

void server_h2_free(server_t *srv)
{
    nghttp2_session_callbacks_del(srv->h2_callbacks);
    nghttp2_option_del(srv->h2_option);
    srv->h2_callbacks = NULL;
    srv->h2_option = NULL;
}

int conn_h2_start(conn_t *c)
{
    server_t *srv = c->w->srv;
    if (nghttp2_session_server_new2(&c->h2, srv->h2_callbacks, c, srv->h2_option)) return -1;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->cfg.max_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 65536},
    };
    return nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) ? -1 : 0;
}

int conn_h2_feed(conn_t *c, const uint8_t *data, size_t len)
{
    if (c->drop_input) return 0;
    ssize_t rv = nghttp2_session_mem_recv(c->h2, data, len);
    if (rv < 0) {
        if (c->w->srv->cfg.verbose)
            fprintf(stderr, "tlsprof serve: HTTP/2 error, closing: %s\n",
                    nghttp2_strerror((int)rv));
        c->h2_error = 1;
        return -1;
    }
    return 0;
}

void conn_h2_goaway(conn_t *c, uint32_t code)
{
    if (!c->h2) return;
    nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->h2),
                          code, NULL, 0);
}

int conn_h2_alive(const conn_t *c)
{
    return nghttp2_session_want_read(c->h2) || nghttp2_session_want_write(c->h2);
}
