// SPDX-License-Identifier: MIT
// The listening socket (see listener.h). The address is parsed with getaddrinfo
// in numeric mode, so IPv4, IPv6 and IPv6 with a scope ("fe80::1%eth0") all
// work and no name is ever looked up.
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// The reason a bind failed, in the operator's terms.
static const char *bind_problem(int error)
{
    switch (error) {
    case EADDRINUSE:
        return "the port is in use (is another server running?)";
    case EACCES:
        return "not permitted (ports below 1024 need privileges)";
    case EADDRNOTAVAIL:
        return "that address is not one of this machine's";
    default:
        return strerror(error);
    }
}

static int open_socket(const struct addrinfo *ai, char *err, size_t err_size, const char *shown)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        snprintf(err, err_size, "cannot listen on %s: %s", shown, strerror(errno));
        return -1;
    }
    // SO_REUSEADDR lets a restarted server bind while old connections linger in
    // TIME_WAIT; it does not let two servers listen on one port (SO_REUSEPORT would).
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai->ai_family == AF_INET6) {
        // "::" serves IPv4 clients too; a specific IPv6 address only itself.
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)ai->ai_addr;
        int v6only = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? 0 : 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, err_size, "cannot listen on %s: %s", shown, bind_problem(errno));
        close(fd);
        return -1;
    }
    return fd;
}

// Fills the port and URL from the socket's bound address.
static int describe(struct listener *out, char *err, size_t err_size)
{
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    char host[INET6_ADDRSTRLEN] = "";
    if (getsockname(out->fd, (struct sockaddr *)&bound, &len) != 0) {
        snprintf(err, err_size, "cannot read the bound address: %s", strerror(errno));
        return -1;
    }
    if (bound.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)&bound;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        out->port = ntohs(a6->sin6_port);
        out->ipv6 = true;
        snprintf(out->url, sizeof out->url, "http://[%s]:%u", host, out->port);
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)&bound;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        out->port = ntohs(a4->sin_port);
        out->ipv6 = false;
        snprintf(out->url, sizeof out->url, "http://%s:%u", host, out->port);
    }
    return 0;
}

int listener_open(const char *address, int port, struct listener *out, char *err, size_t err_size)
{
    *out = (struct listener){.fd = -1};
    // "[::1]" as in a URL is accepted too.
    char host[128];
    size_t len = strlen(address);
    if (len >= 2 && address[0] == '[' && address[len - 1] == ']')
        snprintf(host, sizeof host, "%.*s", (int)(len - 2), address + 1);
    else
        snprintf(host, sizeof host, "%s", address);
    char service[8], shown[160];
    snprintf(service, sizeof service, "%d", port);
    snprintf(shown, sizeof shown, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);

    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    if (getaddrinfo(host, service, &hints, &found) != 0 || found == NULL) {
        snprintf(err, err_size, "invalid listen address %s (an IPv4 or IPv6 address is expected)",
                 address);
        return -1;
    }
    out->fd = open_socket(found, err, err_size, shown);
    freeaddrinfo(found);
    if (out->fd < 0)
        return -1;
    if (describe(out, err, err_size) != 0) {
        listener_close(out);
        return -1;
    }
    return 0;
}

void listener_stop(struct listener *listener)
{
    // On Linux, shutting a listening socket down takes it out of the LISTEN
    // state: connection attempts are refused at once, the descriptor stays valid.
    if (listener->fd >= 0)
        shutdown(listener->fd, SHUT_RDWR);
}

void listener_close(struct listener *listener)
{
    if (listener->fd >= 0)
        close(listener->fd);
    listener->fd = -1;
}
