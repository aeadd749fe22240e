/* pending.c - see pending.h. */
#include "layers/pending.h"

#include <stdlib.h>
#include <string.h>

int pending_add(pending_t *b, const uint8_t *data, size_t len)
{
    size_t have = pending_size(b);
    uint8_t *nb = malloc(have + len);
    if (!nb) return -1;
    if (have) memcpy(nb, b->p + b->off, have);
    memcpy(nb + have, data, len);
    free(b->p);
    b->p = nb;
    b->len = have + len;
    b->off = 0;
    return 0;
}

void pending_clear(pending_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->off = 0;
}
