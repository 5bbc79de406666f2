/* ratelimit.h: one bandwidth limit shared by every upload thread
 * (--max-bandwidth), a token bucket that makes senders sleep. */
#ifndef TABLESNAP_RATELIMIT_H
#define TABLESNAP_RATELIMIT_H

#include <stddef.h>

struct ratelimit;

/* bytes_per_sec > 0. NULL when out of memory. */
struct ratelimit *ratelimit_new(long long bytes_per_sec);
void ratelimit_free(struct ratelimit *rl);

/* Blocks until n more bytes may be sent. Safe from any thread. */
void ratelimit_take(struct ratelimit *rl, size_t n);

#endif
