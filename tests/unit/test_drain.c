// SPDX-License-Identifier: MIT
// Unit tests of the shutdown bookkeeping over socket pairs: an idle connection is
// shut when draining starts and a busy one only once its request ended; a request
// on a connection being closed is refused; the daemon may stop when no request
// runs, or past the grace period when no write is under way, and from then on
// every new request is refused.
#include "drain.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

struct pair {
    int server, client;
};

static struct pair make_pair(void)
{
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    return (struct pair){fds[0], fds[1]};
}

static void close_pair(struct pair p)
{
    close(p.server);
    close(p.client);
}

// True when the client side sees the end of the stream (the server side was shut).
static bool shut(struct pair p)
{
    char byte;
    ssize_t n = recv(p.client, &byte, 1, MSG_DONTWAIT);
    if (n < 0)
        cr_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    return n == 0;
}

Test(drain, idle_connections_close_busy_ones_after_their_request)
{
    struct drain *d = drain_new();
    struct pair idle = make_pair(), busy = make_pair();
    struct drain_connection *idle_c = drain_connection_opened(d, idle.server);
    struct drain_connection *busy_c = drain_connection_opened(d, busy.server);
    cr_assert(drain_request_begin(d, busy_c));
    cr_expect_not(drain_started(d));

    drain_close_idle(d);
    cr_expect(drain_started(d));
    cr_expect(shut(idle));
    cr_expect_not(shut(busy), "a running request keeps its connection");
    cr_expect_not(drain_request_begin(d, idle_c), "a request on a closing connection is refused");
    cr_expect_eq(drain_requests(d), 1);

    drain_request_end(d, busy_c, false);
    drain_close_idle(d);
    cr_expect(shut(busy));
    cr_expect_eq(drain_requests(d), 0);

    drain_connection_closed(d, idle_c);
    drain_connection_closed(d, busy_c);
    close_pair(idle);
    close_pair(busy);
    drain_free(d);
}

Test(drain, a_connection_opened_while_draining_is_shut_at_once)
{
    struct drain *d = drain_new();
    drain_close_idle(d);
    struct pair late = make_pair();
    struct drain_connection *c = drain_connection_opened(d, late.server);
    cr_expect(shut(late));
    cr_expect_not(drain_request_begin(d, c));
    drain_free(d); // frees the entry still listed
    close_pair(late);
}

Test(drain, stopping_waits_for_requests_and_past_the_grace_only_for_writes)
{
    struct drain *d = drain_new();
    struct pair p = make_pair();
    struct drain_connection *c = drain_connection_opened(d, p.server);
    cr_assert(drain_request_begin(d, c));
    cr_assert(drain_request_begin(d, NULL)); // an untracked connection's request
    drain_request_writes(d);
    drain_close_idle(d);
    cr_expect_not(drain_may_stop(d, false));
    cr_expect_not(drain_may_stop(d, true), "a write is waited for past the grace period");
    cr_expect(drain_request_begin(d, NULL), "requests may still start while waiting");
    drain_request_end(d, NULL, false);
    drain_request_end(d, NULL, true);
    cr_expect_not(drain_may_stop(d, false), "a read still runs");
    cr_expect(drain_may_stop(d, true), "past the grace period a read is cut");
    cr_expect_not(drain_request_begin(d, NULL), "once stopping, nothing starts");
    drain_request_end(d, c, false);
    cr_expect(drain_may_stop(d, false));
    drain_connection_closed(d, c);
    drain_connection_closed(d, NULL);
    close_pair(p);
    drain_free(d);
}
