/* story_json.c - see story_json.h. */
#include "report/story_json.h"

#include <stdio.h>
#include <string.h>

typedef struct out {
    char *p;
    size_t left;
    int overflow;
} out_t;

/* The event log writes a line per stream, so these append directly rather
 * than going through printf: formatting was most of --events' cost. */
static void raw(out_t *o, const char *s, size_t n)
{
    if (o->overflow) return;
    if (n >= o->left) {
        o->overflow = 1;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
    o->left -= n;
    *o->p = 0;
}

#define LIT(o, s) raw((o), (s), sizeof(s) - 1)

/* Decimal digits of v: the bit length times log10(2) (1233 / 4096, just
 * above it) gives the count or one less, and one comparison settles it. */
static unsigned digits10(uint64_t v)
{
    static const uint64_t pow10[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
    if (v < 10) return 1; /* 0 included, which the formula would call 0 digits */
    unsigned bits = 64 - (unsigned)__builtin_clzll(v);
    unsigned n = (bits * 1233) >> 12; /* the count, or one less; at most 19 */
    return n + (v >= pow10[n]);
}

/* Written in place, two digits per division: a stream line carries four
 * 14-digit monotonic timestamps, and a digit at a time through a scratch
 * buffer was half of --events' cost. */
static void u64(out_t *o, uint64_t v)
{
    static const char pairs[] = "00010203040506070809"
                                "10111213141516171819"
                                "20212223242526272829"
                                "30313233343536373839"
                                "40414243444546474849"
                                "50515253545556575859"
                                "60616263646566676869"
                                "70717273747576777879"
                                "80818283848586878889"
                                "90919293949596979899";
    if (o->overflow) return;
    unsigned n = digits10(v);
    if (n >= o->left) {
        o->overflow = 1;
        return;
    }
    char *p = o->p + n;
    o->p = p;
    o->left -= n;
    *p = 0;
    while (v >= 100) {
        p -= 2;
        memcpy(p, pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
}

/* Nanoseconds as microseconds with three decimals, exactly ("1234.567"). */
static void us3(out_t *o, uint64_t ns)
{
    u64(o, ns / 1000);
    char b[4] = {'.', (char)('0' + ns / 100 % 10), (char)('0' + ns / 10 % 10),
                 (char)('0' + ns % 10)};
    raw(o, b, 4);
}

static void key(out_t *o, const char *name, int comma)
{
    if (comma) LIT(o, ",");
    LIT(o, "\"");
    raw(o, name, strlen(name));
    LIT(o, "\":");
}

static void boolean(out_t *o, int v)
{
    if (v)
        LIT(o, "true");
    else
        LIT(o, "false");
}

/* A JSON string; reasons come from OpenSSL and servers, so escape them. */
static void put_str(out_t *o, const char *s)
{
    if (!s) {
        LIT(o, "null");
        return;
    }
    LIT(o, "\"");
    while (*s && !o->overflow) {
        size_t run = 0;
        while (s[run] && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
            run++;
        raw(o, s, run);
        s += run;
        if (!*s) break;
        unsigned char ch = (unsigned char)*s++;
        if (ch == '"')
            LIT(o, "\\\"");
        else if (ch == '\\')
            LIT(o, "\\\\");
        else {
            char b[7] = {
                '\\', 'u', '0', '0', "0123456789abcdef"[ch >> 4], "0123456789abcdef"[ch & 15], 0};
            raw(o, b, 6);
        }
    }
    LIT(o, "\"");
}

static void ts_value(out_t *o, mono_ns v)
{
    if (v)
        u64(o, v);
    else
        LIT(o, "null");
}

static void us_value(out_t *o, mono_ns from, mono_ns to)
{
    if (from && to && to >= from)
        us3(o, to - from);
    else
        LIT(o, "null");
}

static void put_ts(out_t *o, const char *name, mono_ns v, int comma)
{
    key(o, name, comma);
    ts_value(o, v);
}

static void put_us(out_t *o, const char *name, mono_ns from, mono_ns to, int comma)
{
    key(o, name, comma);
    us_value(o, from, to);
}

static void put_error(out_t *o, const char *phase, const char *reason)
{
    LIT(o, "{\"phase\":");
    put_str(o, phase);
    LIT(o, ",\"reason\":");
    put_str(o, reason);
    LIT(o, "}");
}

static uint64_t wall_of(const conn_times_t *t, mono_ns v)
{
    return v ? t->wall_connect_start + (v - t->connect_start) : 0;
}

size_t story_format(char *buf, size_t len, const conn_story_t *s, const char *remote)
{
    out_t o = {buf, len, 0};
    const conn_times_t *t = &s->t;
    LIT(&o, "{\"type\":\"connection\",\"id\":");
    u64(&o, s->id);
    LIT(&o, ",\"thread\":");
    u64(&o, s->thread);
    LIT(&o, ",\"local_port\":");
    u64(&o, s->local_port);
    LIT(&o, ",\"remote\":");
    put_str(&o, remote);
    if (s->err_phase)
        LIT(&o, ",\"outcome\":\"error\",\"error\":");
    else
        LIT(&o, ",\"outcome\":\"ok\",\"error\":");
    if (s->err_phase)
        put_error(&o, s->err_phase, s->err_reason);
    else
        LIT(&o, "null");
    static const char *const names[] = {"connect_start",
                                        "tcp_up",
                                        "tls_start",
                                        "tls_server_hello",
                                        "tls_server_finished",
                                        "tls_done",
                                        "settings",
                                        "last_stream_done",
                                        "close"};
    const mono_ns vals[] = {t->connect_start, t->tcp_up,           t->tls_start,
                            t->server_hello,  t->server_finished,  t->tls_done,
                            t->settings,      t->last_stream_done, t->close};
    LIT(&o, ",\"t_mono_ns\":{");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        put_ts(&o, names[i], vals[i], i > 0);
    LIT(&o, "},\"t_wall_ns\":{");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        put_ts(&o, names[i], wall_of(t, vals[i]), i > 0);
    LIT(&o, "},\"phases_us\":{");
    put_us(&o, "tcp_connect", t->connect_start, t->tcp_up, 0);
    put_us(&o, "tls_handshake", t->tls_start, t->tls_done, 1);
    put_us(&o, "tls_server_hello", t->tls_start, t->server_hello, 1);
    put_us(&o, "tls_server_finished", t->tls_start, t->server_finished, 1);
    put_us(&o, "h2_settings", t->tls_done, t->settings, 1);
    LIT(&o, ",\"worst_ttfb\":");
    if (s->worst_ttfb_ns)
        us3(&o, s->worst_ttfb_ns);
    else
        LIT(&o, "null");
    put_us(&o, "connection", t->connect_start, t->last_stream_done, 1);
    LIT(&o, ",\"tls_client_cpu\":");
    us3(&o, t->tls_cpu_ns);
    LIT(&o, "},\"tls\":{\"version\":");
    put_str(&o, s->tls.version);
    LIT(&o, ",\"cipher\":");
    put_str(&o, s->tls.cipher);
    LIT(&o, ",\"group\":");
    put_str(&o, s->tls.group);
    LIT(&o, ",\"sigalg\":");
    put_str(&o, s->tls.sigalg[0] ? s->tls.sigalg : NULL);
    LIT(&o, ",\"alpn\":");
    put_str(&o, s->tls.alpn);
    LIT(&o, ",\"offered_ticket\":");
    boolean(&o, s->tls.offered_ticket);
    LIT(&o, ",\"resumed\":");
    boolean(&o, s->tls.resumed);
    LIT(&o, ",\"early_data\":");
    put_str(&o, s->tls.early_data ? s->tls.early_data : "not-sent");
    LIT(&o, ",\"tickets_received\":");
    u64(&o, s->tls.tickets_received);
    LIT(&o, "}");
    if (s->tcp_ok) {
        const tcp_snapshot_t *k = &s->tcp;
        const char *names_[] = {"rtt_us",          "rttvar_us", "retransmits", "lost",
                                "syn_retransmits", "snd_cwnd",  "reordering",  "dsack_dups"};
        const uint32_t v[] = {k->rtt_us,          k->rttvar_us, k->total_retrans, k->lost,
                              s->syn_retransmits, k->snd_cwnd,  k->reordering,    k->dsack_dups};
        LIT(&o, ",\"tcp_info\":{");
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            key(&o, names_[i], i > 0);
            u64(&o, v[i]);
        }
        LIT(&o, "}");
    } else {
        LIT(&o, ",\"tcp_info\":null");
    }
    LIT(&o, ",\"streams\":");
    u64(&o, s->streams);
    LIT(&o, ",\"streams_failed\":");
    u64(&o, s->streams_failed);
    LIT(&o, ",\"stream_error\":");
    put_str(&o, s->stream_error[0] ? s->stream_error : NULL);
    LIT(&o, "}");
    return o.overflow ? 0 : len - o.left;
}

size_t stream_format(char *buf, size_t len, const conn_t *c, const stream_t *st,
                     const char *err_phase, const char *err)
{
    out_t o = {buf, len, 0};
    LIT(&o, "{\"type\":\"stream\",\"conn\":");
    u64(&o, c->id);
    LIT(&o, ",\"stream_id\":");
    u64(&o, (uint64_t)st->id);
    LIT(&o, ",\"status\":");
    if (st->status)
        u64(&o, st->status);
    else
        LIT(&o, "null");
    LIT(&o, ",\"bytes\":");
    u64(&o, st->bytes);
    LIT(&o, ",\"measured\":");
    boolean(&o, st->measured);
    /* Keys as whole literals: a line per stream makes the copies of
     * variable length (and their strlen) show in a profile. */
    LIT(&o, ",\"t_mono_ns\":{\"intended\":");
    ts_value(&o, st->t_intended);
    LIT(&o, ",\"sent\":");
    ts_value(&o, st->t_sent);
    LIT(&o, ",\"headers\":");
    ts_value(&o, st->t_headers);
    LIT(&o, ",\"done\":");
    ts_value(&o, st->t_done);
    LIT(&o, "},\"ttfb_us\":");
    us_value(&o, st->t_sent, st->t_headers);
    LIT(&o, ",\"stream_us\":");
    us_value(&o, st->t_sent, st->t_done);
    LIT(&o, ",\"early\":");
    boolean(&o, st->early);
    LIT(&o, ",\"error\":");
    if (err)
        put_error(&o, err_phase, err);
    else
        LIT(&o, "null");
    LIT(&o, "}");
    return o.overflow ? 0 : len - o.left;
}
