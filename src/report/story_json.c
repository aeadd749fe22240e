/* story_json.c - see story_json.h. */
#include "report/story_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct out {
    char *p;
    size_t left;
    int overflow;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    if (o->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p, o->left, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->left) {
        o->overflow = 1;
        return;
    }
    o->p += n;
    o->left -= (size_t)n;
}

/* A JSON string; reasons come from OpenSSL and servers, so escape them. */
static void put_str(out_t *o, const char *s)
{
    if (!s) {
        put(o, "null");
        return;
    }
    put(o, "\"");
    for (; *s && !o->overflow; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') put(o, "\\%c", ch);
        else if (ch < 0x20) put(o, "\\u%04x", ch);
        else put(o, "%c", ch);
    }
    put(o, "\"");
}

static void put_ts(out_t *o, const char *name, mono_ns v, int comma)
{
    if (v) put(o, "%s\"%s\":%llu", comma ? "," : "", name, (unsigned long long)v);
    else put(o, "%s\"%s\":null", comma ? "," : "", name);
}

static void put_us(out_t *o, const char *name, mono_ns from, mono_ns to, int comma)
{
    if (from && to && to >= from) put(o, "%s\"%s\":%.3f", comma ? "," : "", name, (to - from) / 1e3);
    else put(o, "%s\"%s\":null", comma ? "," : "", name);
}

static uint64_t wall_of(const conn_times_t *t, mono_ns v)
{
    return v ? t->wall_connect_start + (v - t->connect_start) : 0;
}

size_t story_format(char *buf, size_t len, const conn_story_t *s, const char *remote)
{
    out_t o = {buf, len, 0};
    const conn_times_t *t = &s->t;
    put(&o, "{\"type\":\"connection\",\"id\":%llu,\"thread\":%u,\"local_port\":%u,\"remote\":",
        (unsigned long long)s->id, s->thread, s->local_port);
    put_str(&o, remote);
    put(&o, ",\"outcome\":\"%s\",\"error\":", s->err_phase ? "error" : "ok");
    if (s->err_phase) {
        put(&o, "{\"phase\":");
        put_str(&o, s->err_phase);
        put(&o, ",\"reason\":");
        put_str(&o, s->err_reason);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    static const char *const names[] = {"connect_start", "tcp_up", "tls_start", "tls_server_hello",
                                        "tls_server_finished", "tls_done", "settings", "last_stream_done", "close"};
    const mono_ns vals[] = {t->connect_start, t->tcp_up, t->tls_start, t->server_hello, t->server_finished,
                            t->tls_done, t->settings, t->last_stream_done, t->close};
    put(&o, ",\"t_mono_ns\":{");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) put_ts(&o, names[i], vals[i], i > 0);
    put(&o, "},\"t_wall_ns\":{");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) put_ts(&o, names[i], wall_of(t, vals[i]), i > 0);
    put(&o, "},\"phases_us\":{");
    put_us(&o, "tcp_connect", t->connect_start, t->tcp_up, 0);
    put_us(&o, "tls_handshake", t->tls_start, t->tls_done, 1);
    put_us(&o, "tls_server_hello", t->tls_start, t->server_hello, 1);
    put_us(&o, "tls_server_finished", t->tls_start, t->server_finished, 1);
    put_us(&o, "h2_settings", t->tls_done, t->settings, 1);
    put(&o, ",\"worst_ttfb\":");
    if (s->worst_ttfb_ns) put(&o, "%.3f", s->worst_ttfb_ns / 1e3);
    else put(&o, "null");
    put_us(&o, "connection", t->connect_start, t->last_stream_done, 1);
    put(&o, ",\"tls_client_cpu\":%.3f}", t->tls_cpu_ns / 1e3);
    put(&o, ",\"tls\":{\"version\":");
    put_str(&o, s->tls.version);
    put(&o, ",\"cipher\":");
    put_str(&o, s->tls.cipher);
    put(&o, ",\"group\":");
    put_str(&o, s->tls.group);
    put(&o, ",\"sigalg\":");
    put_str(&o, s->tls.sigalg[0] ? s->tls.sigalg : NULL);
    put(&o, ",\"alpn\":");
    put_str(&o, s->tls.alpn);
    put(&o, ",\"offered_ticket\":%s,\"resumed\":%s,\"early_data\":", s->tls.offered_ticket ? "true" : "false",
        s->tls.resumed ? "true" : "false");
    put_str(&o, s->tls.early_data ? s->tls.early_data : "not-sent");
    put(&o, ",\"tickets_received\":%u}", s->tls.tickets_received);
    if (s->tcp_ok) {
        const tcp_snapshot_t *k = &s->tcp;
        put(&o, ",\"tcp_info\":{\"rtt_us\":%u,\"rttvar_us\":%u,\"retransmits\":%u,\"lost\":%u,\"syn_retransmits\":%u,"
                "\"snd_cwnd\":%u,\"reordering\":%u}",
            k->rtt_us, k->rttvar_us, k->total_retrans, k->lost, s->syn_retransmits, k->snd_cwnd, k->reordering);
    } else {
        put(&o, ",\"tcp_info\":null");
    }
    put(&o, ",\"streams\":%u,\"streams_failed\":%u,\"stream_error\":", s->streams, s->streams_failed);
    put_str(&o, s->stream_error[0] ? s->stream_error : NULL);
    put(&o, "}");
    return o.overflow ? 0 : len - o.left;
}

size_t stream_format(char *buf, size_t len, const conn_t *c, const stream_t *st, const char *err_phase,
                     const char *err)
{
    out_t o = {buf, len, 0};
    put(&o, "{\"type\":\"stream\",\"conn\":%llu,\"stream_id\":%d,\"status\":", (unsigned long long)c->id, st->id);
    if (st->status) put(&o, "%u", st->status);
    else put(&o, "null");
    put(&o, ",\"bytes\":%llu,\"measured\":%s,\"t_mono_ns\":{", (unsigned long long)st->bytes,
        st->measured ? "true" : "false");
    put_ts(&o, "intended", st->t_intended, 0);
    put_ts(&o, "sent", st->t_sent, 1);
    put_ts(&o, "headers", st->t_headers, 1);
    put_ts(&o, "done", st->t_done, 1);
    put(&o, "}");
    put_us(&o, "ttfb_us", st->t_sent, st->t_headers, 1);
    put_us(&o, "stream_us", st->t_sent, st->t_done, 1);
    put(&o, ",\"early\":%s,\"error\":", st->early ? "true" : "false");
    if (err) {
        put(&o, "{\"phase\":");
        put_str(&o, err_phase);
        put(&o, ",\"reason\":");
        put_str(&o, err);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    put(&o, "}");
    return o.overflow ? 0 : len - o.left;
}
