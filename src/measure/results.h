/* results.h - everything one worker measured. Workers own their results
 * exclusively during the run (no locks); the engine merges them after join. */
#ifndef TLSPROF_RESULTS_H
#define TLSPROF_RESULTS_H

#include <stdint.h>

#include "measure/hist.h"
#include "measure/phase.h"
#include "measure/tally.h"

typedef struct resumption_stats {
    uint64_t attempted, accepted, rejected;
    uint64_t tickets_received;
    uint64_t lifetime_min_s, lifetime_max_s;
    uint64_t size_min, size_max;
    uint64_t max_early_min, max_early_max;
    tally_t ke_modes; /* psk_dhe_ke / psk_ke */
    tally_t per_address_attempted, per_address_accepted;
} resumption_stats_t;

typedef struct early_data_stats {
    uint64_t attempted, accepted, rejected, replayed;
} early_data_stats_t;

typedef struct tcp_stats {
    uint64_t retransmits_total;
    uint64_t connections_with_retransmits;
    uint64_t retransmits_spurious; /* of retransmits_total: D-SACKed, the receiver had them */
    uint64_t syn_retransmits;
    uint64_t syn_retransmits_inferred;
    hist_t rtt;         /* ns */
    hist_t retransmits; /* count per connection */
} tcp_stats_t;

typedef struct results {
    hist_t phases[PHASE_COUNT];
    uint64_t connections_opened, connections_established, connections_failed, reconnects;
    uint64_t requests_ok, requests_failed, requests_retried, requests_aborted;
    uint64_t bytes_received;
    tally_t status;
    /* Most responses share one status: its slot in `status`, so that
     * counting it costs no formatting or string compare (record.c). */
    uint16_t status_last;
    uint32_t status_last_slot;
    tally_t versions, ciphers, groups, sigalgs, alpn;
    resumption_stats_t resumption;
    early_data_stats_t early;
    tcp_stats_t tcp;
    error_tally_t errors;
    /* --rate: how late requests started against their schedule (ns), and
     * arrivals that were due but never started before the run ended. */
    hist_t schedule_lag;
    uint64_t arrivals_not_started;
} results_t;

void results_init(results_t *r);
void results_merge(results_t *dst, const results_t *src);

#endif
