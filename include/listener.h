// SPDX-License-Identifier: MIT
// The listening socket, opened by us rather than by libmicrohttpd: an IPv4 or
// IPv6 address, SO_REUSEADDR but never SO_REUSEPORT (a second server on a port
// in use is refused, not handed half the connections), errors that say what
// went wrong, and the URL it serves for the log.
#ifndef CHENGGUAN_LISTENER_H
#define CHENGGUAN_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

struct listener {
    int fd;
    bool ipv6;
    unsigned port; // the bound port: the kernel's pick when 0 was asked for
    char url[80];  // "http://127.0.0.1:8080" or "http://[::1]:8080"
};

// Binds and listens on a numeric address ("127.0.0.1", "0.0.0.0", "::1", "::",
// "[::1]"; "::" also accepts IPv4 clients) and port (0 picks a free one).
// Returns 0 with *out filled, or -1 with a one-line reason in err (the port is
// in use, not permitted, not an address of this machine, ...).
int listener_open(const char *address, int port, struct listener *out, char *err, size_t err_size);

// Stops accepting: new connections are refused from now on, while the
// descriptor stays valid for whoever still polls it. Idempotent.
void listener_stop(struct listener *listener);

// Closes the descriptor. Call once nothing polls it any more.
void listener_close(struct listener *listener);

#endif
