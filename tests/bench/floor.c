// SPDX-License-Identifier: MIT
// The shared half of the floor servers: options, the daemon (the same
// libmicrohttpd choices as chengguan's server: internal epoll thread pool,
// turbo, a connection timeout), replies and the shutdown signal.
#include "floor.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_CONNECTION_TIMEOUT_S 30u
#define FLOOR_CONNECTION_LIMIT     4096u

static void usage(const char *program)
{
    fprintf(stderr, "usage: %s --db FILE [--port N] [--threads N]\n", program);
}

// Parses a decimal number in 0..max into *out. Returns 0, or -1 when malformed.
static int parse_unsigned(const char *text, unsigned max, unsigned *out)
{
    char *end = NULL;
    unsigned long value = strtoul(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || value > max)
        return -1;
    *out = (unsigned)value;
    return 0;
}

int floor_parse_options(int argc, char **argv, struct floor_options *options)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *options = (struct floor_options){NULL, 0, cores > 1 ? (unsigned)cores * 2 : 2};
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = value == NULL;
        if (!bad && strcmp(argv[i], "--db") == 0)
            options->db_path = value;
        else if (!bad && strcmp(argv[i], "--port") == 0)
            bad = parse_unsigned(value, 65535, &options->port) != 0;
        else if (!bad && strcmp(argv[i], "--threads") == 0)
            bad = parse_unsigned(value, 256, &options->threads) != 0 || options->threads == 0;
        else
            bad = 1;
        if (bad) {
            usage(argv[0]);
            return -1;
        }
        i++;
    }
    if (options->db_path == NULL) {
        usage(argv[0]);
        return -1;
    }
    return 0;
}

int floor_serve(const struct floor_options *options, MHD_AccessHandlerCallback handler,
                MHD_RequestCompletedCallback completed, void *cls)
{
    // Block the stop signals before the pool starts so that only sigwait sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)options->port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR, &address,
        MHD_OPTION_THREAD_POOL_SIZE, options->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        FLOOR_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT, FLOOR_CONNECTION_LIMIT,
        MHD_OPTION_NOTIFY_COMPLETED, completed, cls, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "cannot start the HTTP daemon on port %u\n", options->port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "listening on http://127.0.0.1:%u (%u threads)\n",
            info ? info->port : options->port, options->threads);
    int signal_number = 0;
    sigwait(&stop, &signal_number);
    MHD_stop_daemon(daemon);
    return 0;
}

enum MHD_Result floor_reply(struct MHD_Connection *connection, unsigned status, char *body,
                            size_t length, int owned)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        length, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (response == NULL) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

enum MHD_Result floor_reply_constant(struct MHD_Connection *connection, unsigned status,
                                     const char *body)
{
    // libmicrohttpd never writes to a persistent buffer; its API just lacks const.
    return floor_reply(connection, status, (char *)(uintptr_t)body, strlen(body), 0);
}
