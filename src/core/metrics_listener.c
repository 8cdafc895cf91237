// SPDX-License-Identifier: MIT
// The separate metrics listener (--metrics-listen): a small libmicrohttpd daemon
// of its own, one thread, a few connections, that answers GET /metrics and
// nothing else, so the metrics can live on an address the public never reaches.
#include "metrics.h"

#include "log.h"
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Daemon *listener;

// Parses "A.B.C.D:PORT" or "[IPv6]:PORT" into *address. Returns 0, or -1.
static int parse_listen(const char *listen, struct sockaddr_storage *address)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return -1;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return -1;
    size_t host_len = (size_t)(colon - listen);
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    memset(address, 0, sizeof *address);
    if (host[0] == '[' && host[host_len - 1] == ']') {
        struct sockaddr_in6 *six = (struct sockaddr_in6 *)address;
        host[host_len - 1] = '\0';
        six->sin6_family = AF_INET6;
        six->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host + 1, &six->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *four = (struct sockaddr_in *)address;
    four->sin_family = AF_INET;
    four->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &four->sin_addr) == 1 ? 0 : -1;
}

int metrics_listen_check(const char *listen)
{
    struct sockaddr_storage address;
    return parse_listen(listen, &address);
}

static enum MHD_Result reply_text(struct MHD_Connection *connection, unsigned status,
                                  const char *text)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (response == NULL)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    static int started;
    struct server *server = cls;
    if (*con_cls == NULL) { // the headers are in; a body, if any, follows
        *con_cls = &started;
        return MHD_YES;
    }
    if (*upload_data_size > 0) { // nothing here takes a body: drop it
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return reply_text(connection, MHD_HTTP_NOT_FOUND, "only /metrics is served here\n");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD\n");
    const char *authorization =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!metrics_token_ok(server, authorization))
        return reply_text(connection, MHD_HTTP_UNAUTHORIZED, "send the metrics token\n");
    size_t len = 0;
    char *text = metrics_render(server, &len);
    if (text == NULL)
        return reply_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (response == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return result;
}

int metrics_listener_start(struct server *server)
{
    const char *listen = server->config.metrics_listen;
    if (listen == NULL)
        return 0;
    struct sockaddr_storage address;
    if (parse_listen(listen, &address) != 0) {
        log_error("invalid metrics address %s (ADDRESS:PORT expected)", listen);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    listener = MHD_start_daemon(flags, 0, NULL, NULL, on_access, server, MHD_OPTION_SOCK_ADDR,
                                &address, MHD_OPTION_CONNECTION_LIMIT, 16u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (listener == NULL) {
        log_error("cannot listen for metrics on %s (in use, or not permitted)", listen);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(listener, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    log_info("metrics on http://%s:%u/metrics%s", host, info ? info->port : 0u,
             server->config.metrics_token ? " (token required)" : "");
    return 0;
}

void metrics_listener_stop(void)
{
    if (listener != NULL)
        MHD_stop_daemon(listener);
    listener = NULL;
}
