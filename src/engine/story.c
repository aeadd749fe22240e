/* story.c - copy a connection's story out of its slot. */
#include "engine/story.h"

#include <stdio.h>
#include <string.h>

#include "engine/worker.h"

void story_from_conn(conn_story_t *s, const conn_t *c, const char *err_phase, const char *reason)
{
    s->id = c->id;
    s->thread = c->w->id;
    s->target = c->target;
    s->local_port = c->local_port;
    s->t = c->t;
    s->tls = c->tls;
    s->tcp = c->tcp;
    s->tcp_ok = c->tcp_ok;
    s->syn_retransmits = c->syn_retransmits;
    s->streams = c->streams_done;
    s->worst_ttfb_ns = c->worst_ttfb_ns;
    s->streams_failed = c->streams_failed;
    memcpy(s->stream_error, c->stream_error, sizeof s->stream_error);
    s->err_phase = err_phase;
    snprintf(s->err_reason, sizeof s->err_reason, "%s", reason ? reason : "");
    mono_ns end = c->t.last_stream_done && !err_phase ? c->t.last_stream_done : c->t.close;
    s->rank_ns = clock_span(c->t.connect_start, end);
}
