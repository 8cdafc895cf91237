// SPDX-License-Identifier: MIT
// Unit tests of the listening socket: port 0 gets a port of its own and a URL
// that names it; a port that is in use is refused with the reason (never
// shared); an address that is not numeric IPv4 or IPv6 is refused; a stopped
// listener refuses connections while its descriptor stays open.
#include "listener.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Connects to 127.0.0.1:port; returns 0 or the errno of the failure.
static int connect_error(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    int rc = connect(fd, (struct sockaddr *)&address, sizeof address) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

Test(listener, port_zero_picks_a_port_and_names_it)
{
    struct listener l;
    char err[256] = "";
    cr_assert_eq(listener_open("127.0.0.1", 0, &l, err, sizeof err), 0, "%s", err);
    cr_expect_gt(l.port, 0u);
    cr_expect_not(l.ipv6);
    char expected[80];
    snprintf(expected, sizeof expected, "http://127.0.0.1:%u", l.port);
    cr_expect_str_eq(l.url, expected);
    cr_expect_eq(connect_error(l.port), 0);
    listener_close(&l);
}

Test(listener, a_port_in_use_is_refused_not_shared)
{
    struct listener first, second;
    char err[256] = "";
    cr_assert_eq(listener_open("127.0.0.1", 0, &first, err, sizeof err), 0, "%s", err);
    cr_expect_eq(listener_open("127.0.0.1", (int)first.port, &second, err, sizeof err), -1);
    char expected[160];
    snprintf(expected, sizeof expected,
             "cannot listen on 127.0.0.1:%u: the port is in use (is another server running?)",
             first.port);
    cr_expect_str_eq(err, expected);
    cr_expect_eq(listener_open("0.0.0.0", (int)first.port, &second, err, sizeof err), -1,
                 "the wildcard address overlaps the port too");
    listener_close(&first);
}

Test(listener, only_numeric_addresses)
{
    struct listener l;
    char err[256] = "";
    const char *bad[] = {"localhost", "example.org", "127.0.0.256", "::g", "", "[127.0.0.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(listener_open(bad[i], 0, &l, err, sizeof err), -1, "%s", bad[i]);
        cr_expect(strstr(err, "invalid listen address") != NULL, "%s: %s", bad[i], err);
    }
}

Test(listener, stop_refuses_connections_and_keeps_the_descriptor)
{
    struct listener l;
    char err[256] = "";
    cr_assert_eq(listener_open("127.0.0.1", 0, &l, err, sizeof err), 0, "%s", err);
    listener_stop(&l);
    cr_expect_eq(connect_error(l.port), ECONNREFUSED);
    cr_expect_neq(fcntl(l.fd, F_GETFD), -1, "the descriptor is still open");
    listener_stop(&l);
    listener_close(&l);
    cr_expect_eq(l.fd, -1);
}
