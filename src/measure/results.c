/* results.c - initialising and merging per-worker results. */
#include "measure/results.h"

#include <string.h>

void results_init(results_t *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < PHASE_COUNT; i++)
        hist_init(&r->phases[i]);
    hist_init(&r->tcp.rtt);
    hist_init(&r->tcp.retransmits);
    hist_init(&r->schedule_lag);
    r->resumption.lifetime_min_s = r->resumption.size_min = r->resumption.max_early_min =
        UINT64_MAX;
}

static void merge_min(uint64_t *d, uint64_t s)
{
    if (s < *d) *d = s;
}

static void merge_max(uint64_t *d, uint64_t s)
{
    if (s > *d) *d = s;
}

void results_merge(results_t *d, const results_t *s)
{
    for (int i = 0; i < PHASE_COUNT; i++)
        hist_merge(&d->phases[i], &s->phases[i]);
    d->connections_opened += s->connections_opened;
    d->connections_established += s->connections_established;
    d->connections_failed += s->connections_failed;
    d->reconnects += s->reconnects;
    d->requests_ok += s->requests_ok;
    d->requests_failed += s->requests_failed;
    d->requests_retried += s->requests_retried;
    d->requests_aborted += s->requests_aborted;
    d->bytes_received += s->bytes_received;
    hist_merge(&d->schedule_lag, &s->schedule_lag);
    d->arrivals_not_started += s->arrivals_not_started;
    tally_merge(&d->status, &s->status);
    tally_merge(&d->versions, &s->versions);
    tally_merge(&d->ciphers, &s->ciphers);
    tally_merge(&d->groups, &s->groups);
    tally_merge(&d->sigalgs, &s->sigalgs);
    tally_merge(&d->alpn, &s->alpn);

    resumption_stats_t *dr = &d->resumption;
    const resumption_stats_t *sr = &s->resumption;
    dr->attempted += sr->attempted;
    dr->accepted += sr->accepted;
    dr->rejected += sr->rejected;
    dr->tickets_received += sr->tickets_received;
    merge_min(&dr->lifetime_min_s, sr->lifetime_min_s);
    merge_max(&dr->lifetime_max_s, sr->lifetime_max_s);
    merge_min(&dr->size_min, sr->size_min);
    merge_max(&dr->size_max, sr->size_max);
    merge_min(&dr->max_early_min, sr->max_early_min);
    merge_max(&dr->max_early_max, sr->max_early_max);
    tally_merge(&dr->ke_modes, &sr->ke_modes);
    tally_merge(&dr->per_address_attempted, &sr->per_address_attempted);
    tally_merge(&dr->per_address_accepted, &sr->per_address_accepted);

    d->early.attempted += s->early.attempted;
    d->early.accepted += s->early.accepted;
    d->early.rejected += s->early.rejected;
    d->early.replayed += s->early.replayed;

    d->tcp.retransmits_total += s->tcp.retransmits_total;
    d->tcp.connections_with_retransmits += s->tcp.connections_with_retransmits;
    d->tcp.retransmits_spurious += s->tcp.retransmits_spurious;
    d->tcp.syn_retransmits += s->tcp.syn_retransmits;
    d->tcp.syn_retransmits_inferred += s->tcp.syn_retransmits_inferred;
    hist_merge(&d->tcp.rtt, &s->tcp.rtt);
    hist_merge(&d->tcp.retransmits, &s->tcp.retransmits);
    errors_merge(&d->errors, &s->errors);
}
