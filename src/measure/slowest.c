/* slowest.c - see slowest.h. */
#include "measure/slowest.h"

#include <stdlib.h>
#include <string.h>

static const char *const list_phase[SLOW_LISTS] = {"connection", "tcp_connect", "tls_handshake",
                                                   "h2_settings", "ttfb"};

const char *slow_list_phase(slow_list l)
{
    return list_phase[l];
}

int slowest_init(slowest_t *sl, uint32_t n)
{
    memset(sl, 0, sizeof *sl);
    for (int i = 0; i < SLOW_LISTS; i++) {
        sl->h[i].cap = n;
        if (!n) continue;
        sl->h[i].key = calloc(n, sizeof(uint64_t));
        sl->h[i].s = calloc(n, sizeof(conn_story_t));
        if (!sl->h[i].key || !sl->h[i].s) return -1;
    }
    return 0;
}

void slowest_free(slowest_t *sl)
{
    for (int i = 0; i < SLOW_LISTS; i++) {
        free(sl->h[i].key);
        free(sl->h[i].s);
    }
    memset(sl, 0, sizeof *sl);
}

static void swap(slow_heap_t *h, uint32_t a, uint32_t b)
{
    uint64_t k = h->key[a];
    h->key[a] = h->key[b];
    h->key[b] = k;
    conn_story_t t = h->s[a];
    h->s[a] = h->s[b];
    h->s[b] = t;
}

static void sift_down(slow_heap_t *h, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->key[l] < h->key[m]) m = l;
        if (r < h->n && h->key[r] < h->key[m]) m = r;
        if (m == i) return;
        swap(h, i, m);
        i = m;
    }
}

static void heap_offer(slow_heap_t *h, uint64_t key, const conn_story_t *s)
{
    if (!h->cap || !key) return;
    if (h->n < h->cap) {
        uint32_t i = h->n++;
        h->key[i] = key;
        h->s[i] = *s;
        while (i && h->key[(i - 1) / 2] > h->key[i]) {
            swap(h, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    if (key <= h->key[0]) return;
    h->key[0] = key;
    h->s[0] = *s;
    sift_down(h, 0);
}

static uint64_t key_of(const conn_story_t *s, slow_list l)
{
    const conn_times_t *t = &s->t;
    switch (l) {
    case SLOW_CONNECTION:
        return s->rank_ns;
    case SLOW_TCP_CONNECT:
        return t->tcp_up ? clock_span(t->connect_start, t->tcp_up)
                         : (s->err_phase && !strcmp(s->err_phase, "tcp_connect") ? s->rank_ns : 0);
    case SLOW_TLS_HANDSHAKE:
        return t->tls_done ? clock_span(t->tls_start, t->tls_done)
                           : (s->err_phase && !strcmp(s->err_phase, "tls_handshake")
                                  ? clock_span(t->tls_start, t->close)
                                  : 0);
    case SLOW_H2_SETTINGS:
        return t->settings ? clock_span(t->tls_done, t->settings) : 0;
    case SLOW_TTFB:
        return s->worst_ttfb_ns;
    default:
        return 0;
    }
}

void slowest_offer(slowest_t *sl, const conn_story_t *story)
{
    for (int l = 0; l < SLOW_LISTS; l++)
        heap_offer(&sl->h[l], key_of(story, (slow_list)l), story);
}

void slowest_merge(slowest_t *dst, const slowest_t *src)
{
    for (int l = 0; l < SLOW_LISTS; l++)
        for (uint32_t i = 0; i < src->h[l].n; i++)
            heap_offer(&dst->h[l], src->h[l].key[i], &src->h[l].s[i]);
}

const conn_story_t *slowest_sorted(slowest_t *sl, slow_list l, uint32_t *n)
{
    slow_heap_t *h = &sl->h[l];
    /* Heap sort in place: repeatedly move the minimum to the end, which
     * leaves the array in descending key order (slowest first). */
    uint32_t total = h->n;
    for (uint32_t end = total; end > 1; end--) {
        swap(h, 0, end - 1);
        h->n = end - 1;
        sift_down(h, 0);
    }
    h->n = total;
    *n = total;
    return h->s;
}
