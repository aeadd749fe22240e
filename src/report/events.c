/* events.c - see events.h. */
#include "report/events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/story_json.h"

int events_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
    snprintf(tmp, tmplen, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) snprintf(err, errlen, "--events %s: %s", path, strerror(errno));
    return fd;
}

int events_commit(int fd, const char *tmp, const char *path, char *err, size_t errlen)
{
    int rc = 0;
    if (fsync(fd) < 0 && errno != EINVAL) rc = -1;
    if (close(fd) < 0) rc = -1;
    if (rc == 0 && rename(tmp, path) < 0) rc = -1;
    if (rc < 0) snprintf(err, errlen, "--events %s: %s", path, strerror(errno));
    return rc;
}

int events_writer_init(events_writer_t *ew, int fd, double sample)
{
    memset(ew, 0, sizeof *ew);
    ew->fd = fd;
    ew->sample = sample;
    if (fd < 0) return 0;
    ew->buf = malloc(EVENTS_BUF);
    return ew->buf ? 0 : -1;
}

void events_writer_free(events_writer_t *ew)
{
    free(ew->buf);
    ew->buf = NULL;
}

bool events_sampled(double sample, uint64_t id)
{
    if (sample >= 1.0) return true;
    /* splitmix64: a well-mixed hash of the id, compared with the fraction. */
    uint64_t z = id + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0 < sample;
}

void events_flush(events_writer_t *ew)
{
    size_t off = 0;
    while (off < ew->len) {
        ssize_t n = write(ew->fd, ew->buf + off, ew->len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            ew->write_errors++;
            break;
        }
        off += (size_t)n;
    }
    ew->len = 0;
}

/* Room for one more line of up to `need` bytes. */
static char *reserve(events_writer_t *ew, size_t need)
{
    if (ew->len + need > EVENTS_BUF) events_flush(ew);
    return ew->buf + ew->len;
}

static void commit_line(events_writer_t *ew, size_t n)
{
    if (!n) {
        ew->write_errors++; /* a line longer than the buffer: count, never truncate */
        return;
    }
    ew->buf[ew->len + n] = '\n';
    ew->len += n + 1;
    ew->lines++;
}

void events_connection(events_writer_t *ew, const conn_story_t *s, const char *remote)
{
    if (ew->fd < 0) return;
    char *p = reserve(ew, 4096);
    commit_line(ew, story_format(p, 4095, s, remote));
}

void events_stream(events_writer_t *ew, const conn_t *c, const stream_t *st, const char *err_phase,
                   const char *err)
{
    if (ew->fd < 0) return;
    char *p = reserve(ew, 1024);
    commit_line(ew, stream_format(p, 1023, c, st, err_phase, err));
}
