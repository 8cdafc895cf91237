// SPDX-License-Identifier: MIT
// libmicrohttpd glue and the dispatcher. The URI-log callback creates the
// request (arena, id, raw URI); the access callback collects the body up to its
// cap and then dispatches: path, route, size, auth, content type, in that order,
// so no handler has to remember any of it. The completion callback logs the
// request and frees its arena.
#include "server.h"

#include "arena.h"
#include "auth.h"
#include "drain.h"
#include "errors.h"
#include "handler_pool.h"
#include "json.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "static_files.h"
#include "store.h"
#include "urlpath.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

// Each connection's memory pool for its request line, headers and read buffer
// (libmicrohttpd's default, named because the README states the limits it sets):
// a request line that does not fit is answered 414, headers that do not 431.
#define CONNECTION_MEMORY_BYTES (32 * 1024)

// The most of an oversized body read and dropped before its 413 (see on_access).
#define BODY_DRAIN_MAX (32ULL * 1024 * 1024)

static const char CSP_FORMAT[] =
    "default-src 'self'; img-src 'self' data: blob:%s%s; style-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

// Builds the Content-Security-Policy: with a base-map tile URL configured, its
// origin may serve images ("https://t{s}.example.cn/..." allows
// "https://*.example.cn").
static void build_csp(struct server *server)
{
    char origin[256] = "";
    const char *url = server->config.tile_url;
    const char *scheme_end = url ? strstr(url, "://") : NULL;
    if (scheme_end != NULL) {
        const char *host = scheme_end + 3;
        size_t len = (size_t)(host - url) + strcspn(host, "/");
        if (len < sizeof origin) {
            memcpy(origin, url, len);
            origin[len] = '\0';
            // A placeholder in the first label of the host ("t{s}") becomes "*".
            char *host_start = strstr(origin, "://") + 3;
            char *dot = strchr(host_start, '.');
            char *brace = strchr(host_start, '{');
            if (brace != NULL && dot != NULL && brace < dot) {
                *host_start = '*';
                memmove(host_start + 1, dot, strlen(dot) + 1);
            }
            if (strchr(origin, '{') != NULL || strpbrk(origin, " ;'\"") != NULL)
                origin[0] = '\0'; // not a usable origin: keep the strict policy
        }
    }
    snprintf(server->csp, sizeof server->csp, CSP_FORMAT, origin[0] ? " " : "", origin);
}

static int64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static void free_body(void *data)
{
    free(*(char **)data);
}

// Request ids: unique, not secret. Each thread draws a random start once and
// scrambles a counter from there (splitmix64), so no request waits on the
// kernel's random source.
static uint64_t next_request_id(void)
{
    static _Thread_local uint64_t state;
    if (state == 0)
        randombytes_buf(&state, sizeof state);
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The drain's entry of a connection, NULL when it is not tracked.
static struct drain_connection *drain_entry(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != NULL ? info->socket_context : NULL;
}

// Returns the new request, or NULL to refuse it unread (shutting down, or out of
// memory): libmicrohttpd then closes the connection.
static void *request_begin(void *cls, const char *uri, struct MHD_Connection *connection)
{
    struct server *server = cls;
    struct drain_connection *entry = drain_entry(connection);
    if (!drain_request_begin(server->drain, entry))
        return NULL;
    struct arena *arena = arena_create();
    struct request *req = arena ? arena_alloc(arena, sizeof *req) : NULL;
    if (req == NULL) {
        arena_destroy(arena);
        drain_request_end(server->drain, entry, false);
        return NULL;
    }
    req->drain_connection = entry;
    req->server = server;
    req->arena = arena;
    req->connection = connection;
    req->raw_uri = arena_strdup(arena, uri);
    req->started_us = monotonic_us();
    uint64_t id = next_request_id();
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(id >> (8 * i));
    sodium_bin2hex(req->request_id, sizeof req->request_id, bytes, sizeof bytes);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != NULL && info->client_addr != NULL) {
        const struct sockaddr *sa = info->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      req->client_ip, sizeof req->client_ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->client_ip, sizeof req->client_ip);
    }
    arena_defer(arena, free_body, &req->body);
    return req;
}

// Appends an upload chunk, or marks the body too large once past the cap (the rest
// is read and dropped so the client still gets its 413).
static void body_append(struct request *req, const char *data, size_t size)
{
    if (req->body_overflow || size > req->body_limit - req->body_len) {
        req->body_overflow = true;
        return;
    }
    if (req->body_len + size + 1 > req->body_capacity) {
        size_t capacity = req->body_capacity ? req->body_capacity : 4096;
        while (capacity < req->body_len + size + 1)
            capacity *= 2;
        char *grown = realloc(req->body, capacity);
        if (grown == NULL) {
            req->body_overflow = true;
            return;
        }
        req->body = grown;
        req->body_capacity = capacity;
    }
    memcpy(req->body + req->body_len, data, size);
    req->body_len += size;
    req->body[req->body_len] = '\0';
}

static bool content_type_is(const char *header, const char *expected)
{
    if (header == NULL)
        return false;
    size_t len = strlen(expected);
    if (strncasecmp(header, expected, len) != 0)
        return false;
    const char *rest = header + len;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    // Only UTF-8 is accepted when a charset is named.
    const char *charset = strcasestr(rest, "charset=");
    return charset == NULL || strncasecmp(charset + 8, "utf-8", 5) == 0 ||
           strncasecmp(charset + 8, "\"utf-8\"", 7) == 0;
}

static bool upload_type_ok(const char *header)
{
    return content_type_is(header, "image/jpeg") || content_type_is(header, "image/png") ||
           content_type_is(header, "image/webp");
}

// The central policy: everything a handler must not have to remember.
static int dispatch(struct request *req)
{
    if (req->path_problem != URLPATH_OK)
        return request_reply_error(req, 400, ERR_BAD_PATH, "%s",
                                   urlpath_result_message(req->path_problem));
    if (!req->route_found) {
        bool is_api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0 ||
                      strncmp(req->path, "/open311/", 9) == 0;
        bool readable = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
        if (req->match.allow[0] != '\0') {
            request_add_header(req, "Allow", arena_strdup(req->arena, req->match.allow));
            return request_reply_error(req, 405, ERR_METHOD_NOT_ALLOWED,
                                       "%s is not allowed here; allowed: %s", req->method,
                                       req->match.allow);
        }
        if (is_api)
            return request_reply_error(req, 404, ERR_NOT_FOUND, "no such endpoint: %s", req->path);
        if (!readable) {
            request_add_header(req, "Allow", "GET, HEAD");
            return request_reply_error(req, 405, ERR_METHOD_NOT_ALLOWED,
                                       "static files allow only GET and HEAD");
        }
        req->static_file = true;
        return static_files_serve(req);
    }
    const struct route *route = req->match.route;
    if (req->body_overflow)
        return request_reply_error(req, 413, ERR_PAYLOAD_TOO_LARGE,
                                   "the request body is larger than %zu bytes", req->body_limit);
    int status = auth_check_route(req, route);
    if (status != 0)
        return status;
    const char *content_type = request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (route->flags & ROUTE_JSON) {
        if (!content_type_is(content_type, "application/json"))
            return request_reply_error(req, 415, ERR_UNSUPPORTED_MEDIA,
                                       "send the body as application/json");
        struct json_problem problem;
        req->json = json_parse_object(req->body, req->body_len, &problem);
        if (req->json == NULL)
            return request_reply_problem(req, 400, &problem);
        arena_defer(req->arena, (void (*)(void *))cJSON_Delete, req->json);
    } else if ((route->flags & ROUTE_UPLOAD) && !upload_type_ok(content_type)) {
        return request_reply_error(req, 415, ERR_UNSUPPORTED_MEDIA,
                                   "send a photo as image/jpeg, image/png or image/webp");
    }
    // A write waits for its commit on a handler thread, not on this one: the
    // connection is suspended meanwhile (handler_pool.c).
    if ((route->flags & ROUTE_WRITE) && req->server->handler_pool) {
        req->suspended = true;
        req->on_suspended = handler_pool_submit;
        return 0;
    }
    status = route->handler(req);
    if (req->suspended)
        return status;
    if (req->response == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "the handler gave no reply");
    return status;
}

static void add_common_headers(struct request *req)
{
    struct MHD_Response *response = req->response;
    MHD_add_response_header(response, "X-Request-Id", req->request_id);
    MHD_add_response_header(response, "Content-Security-Policy", req->server->csp);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    bool cache_control = false;
    for (struct request_header *h = req->headers; h != NULL; h = h->next) {
        if (h->value != NULL)
            MHD_add_response_header(response, h->name, h->value);
        cache_control = cache_control || strcasecmp(h->name, "Cache-Control") == 0;
    }
    // API answers are personal and live: never cached unless the handler said so.
    if (!cache_control && strncmp(req->path, "/api/", 5) == 0)
        MHD_add_response_header(response, "Cache-Control", "no-store");
    // Shutting down: this answer is the connection's last.
    if (drain_started(req->server->drain))
        MHD_add_response_header(response, "Connection", "close");
}

// Writes the IP address text (v4 or v6, any form inet_pton reads) into out
// as inet_ntop writes it. Returns false when text is no address.
static bool address_normal(const char *text, char *out, size_t size)
{
    unsigned char bytes[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, text, bytes) == 1)
        return inet_ntop(AF_INET, bytes, out, (socklen_t)size) != NULL;
    if (inet_pton(AF_INET6, text, bytes) == 1)
        return inet_ntop(AF_INET6, bytes, out, (socklen_t)size) != NULL;
    return false;
}

// Takes the next comma-separated address of *list (spaces around it allowed)
// into out in inet_ntop's form and moves *list past it. Returns 1, 0 at the
// end of the list, or -1 for an item that is no address.
static int next_address(const char **list, char *out, size_t size)
{
    const char *p = *list;
    if (p == NULL || *p == '\0')
        return 0;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    *list = end ? end + 1 : NULL;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    char item[64];
    if (len == 0 || len >= sizeof item)
        return -1;
    memcpy(item, p, len);
    item[len] = '\0';
    return address_normal(item, out, size) ? 1 : -1;
}

bool server_proxy_list_valid(const char *list)
{
    char address[64];
    int count = 0, rc;
    while ((rc = next_address(&list, address, sizeof address)) == 1)
        count++;
    return rc == 0 && count > 0;
}

// True when address (as inet_ntop writes it) is one of list.
static bool address_listed(const char *list, const char *address)
{
    char listed[64];
    int rc;
    while ((rc = next_address(&list, listed, sizeof listed)) != 0)
        if (rc == 1 && strcmp(listed, address) == 0)
            return true;
    return false;
}

// Behind a trusted reverse proxy the client is the last address of
// X-Forwarded-For (the one that proxy appended; earlier ones are the client's
// own words). A header that does not end in an address leaves the proxy's.
static void forwarded_client(struct request *req, const char *trusted)
{
    if (trusted == NULL || !address_listed(trusted, req->client_ip))
        return;
    const char *header = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
                                                     "X-Forwarded-For");
    if (header == NULL)
        return;
    const char *last = strrchr(header, ',');
    last = last ? last + 1 : header;
    char client[64];
    if (next_address(&last, client, sizeof client) == 1)
        snprintf(req->client_ip, sizeof req->client_ip, "%s", client);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *connection, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    struct server *server = cls;
    struct request *req = *con_cls;
    if (req == NULL)
        return MHD_NO;
    if (!req->started) {
        req->started = true;
        forwarded_client(req, server->config.trusted_proxies);
        req->method = arena_strdup(req->arena, method);
        req->path_problem =
            urlpath_normalize(req->raw_uri ? req->raw_uri : "/", req->path, sizeof req->path);
        if (req->path_problem == URLPATH_OK)
            req->route_found =
                router_match(&server->router, method, req->path, &req->match) == ROUTER_FOUND;
        req->body_limit = req->route_found && (req->match.route->flags & (ROUTE_UPLOAD | ROUTE_FILE))
                              ? server->config.upload_body_limit
                              : server->config.json_body_limit;
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = length != NULL ? strtoull(length, NULL, 10) : 0;
        if (declared > req->body_limit)
            req->body_overflow = true;
        // A body declared too large is refused now, unread, when the client waits
        // for "100 Continue" or the body is huge: an answer queued before the body
        // makes libmicrohttpd skip "100 Continue" and close afterwards. A client
        // already sending a body of moderate size has it read and dropped first, so
        // it sees the 413 rather than a connection reset in mid-write.
        const char *expect =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        bool refuse_now =
            req->body_overflow && ((expect != NULL && strcasecmp(expect, "100-continue") == 0) ||
                                   declared > BODY_DRAIN_MAX);
        if (!refuse_now)
            return MHD_YES;
    } else if (*upload_data_size > 0) {
        body_append(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!req->dispatched) {
        req->dispatched = true;
        // A request that only reads (its session included) sees one snapshot of
        // the store and locks it once, not once per statement.
        bool reads_only = req->route_found && !(req->match.route->flags & ROUTE_WRITE);
        req->writes = req->route_found && !reads_only;
        if (req->writes)
            drain_request_writes(server->drain);
        if (reads_only)
            store_read_begin(server->store);
        log_set_request(req->request_id);
        dispatch(req);
        log_set_request(NULL);
        if (reads_only)
            store_read_end(server->store);
        if (req->suspended) {
            MHD_suspend_connection(connection);
            req->on_suspended(req);
            return MHD_YES;
        }
    }
    if (req->response == NULL)
        return MHD_NO;
    add_common_headers(req);
    enum MHD_Result result = MHD_queue_response(connection, (unsigned)req->status, req->response);
    MHD_destroy_response(req->response);
    req->response = NULL;
    return result;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)connection;
    struct server *server = cls;
    struct request *req = *con_cls;
    if (req == NULL)
        return;
    int64_t elapsed_us = monotonic_us() - req->started_us;
    metrics_request_done(req->route_found   ? req->match.index
                         : req->static_file ? METRICS_ROUTE_STATIC
                                            : METRICS_ROUTE_UNMATCHED,
                         req->status, elapsed_us);
    log_access(&(struct log_access){
        .request_id = req->request_id,
        .ip = req->client_ip[0] ? req->client_ip : NULL,
        .method = req->method,
        .path = req->path[0] ? req->path : NULL,
        .user = req->user ? req->user->username : NULL,
        .status = req->status,
        .duration_ms = (double)elapsed_us / 1000.0,
        .aborted = code != MHD_REQUEST_TERMINATED_COMPLETED_OK,
    });
    if (req->response != NULL)
        MHD_destroy_response(req->response);
    struct drain_connection *entry = req->drain_connection;
    bool wrote = req->writes;
    arena_destroy(req->arena);
    *con_cls = NULL;
    drain_request_end(server->drain, entry, wrote);
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct server *server = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = info ? drain_connection_opened(server->drain, info->connect_fd) : NULL;
    } else {
        drain_connection_closed(server->drain, *socket_context);
        *socket_context = NULL;
    }
}

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls;
    log_error("libmicrohttpd panic at %s:%u: %s", file, line, reason ? reason : "");
    abort();
}

static void log_mhd(void *cls, const char *format, va_list ap)
{
    (void)cls;
    char message[512];
    vsnprintf(message, sizeof message, format, ap);
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        message[--len] = '\0';
    log_debug("httpd: %s", message);
}

// Stops serving after a signal (see server_run in server.h). The listener is
// taken out of the workers' polling first (quiesce), then shut, so connection
// attempts are refused from here on.
static void drain_and_stop(struct server *server, struct MHD_Daemon *daemon,
                           struct listener *listener, const char *signal_name)
{
    MHD_quiesce_daemon(daemon);
    listener_stop(listener);
    log_info("received %s: listener closed; finishing %d requests", signal_name,
             drain_requests(server->drain));
    int64_t grace_end = monotonic_us() + (int64_t)server->config.shutdown_grace_s * 1000000;
    bool noted = false;
    for (;;) {
        drain_close_idle(server->drain);
        bool past_grace = monotonic_us() >= grace_end;
        if (drain_may_stop(server->drain, past_grace))
            break;
        if (past_grace && !noted) {
            log_warn("shutdown: the grace period is over; waiting only for writes to answer");
            noted = true;
        }
        usleep(5000);
    }
    // Scrapes go on during the drain; the listener stops before the daemon it
    // counts connections of.
    metrics_listener_stop();
    server->daemon = NULL;
    MHD_stop_daemon(daemon);
    listener_close(listener);
}

int server_run(struct server *server)
{
    const struct server_config *config = &server->config;
    struct listener listener;
    char problem[256];
    if (listener_open(config->listen_address, config->port, &listener, problem, sizeof problem) !=
        0) {
        log_error("%s", problem);
        return 1;
    }
    server->drain = drain_new();
    if (server->drain == NULL) {
        log_error("out of memory");
        listener_close(&listener);
        return 1;
    }
    build_csp(server);
    MHD_set_panic_func(on_panic, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (listener.ipv6 ? MHD_USE_IPv6 : 0);
    // The logger comes first, so that libmicrohttpd reports problems with the
    // options after it through it too.
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, server, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_LISTEN_SOCKET, listener.fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)config->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)config->connection_timeout_s, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)config->per_ip_connections, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_BYTES,
        MHD_OPTION_URI_LOG_CALLBACK, request_begin, server, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, server, MHD_OPTION_NOTIFY_CONNECTION, on_connection, server, MHD_OPTION_END);
    if (daemon == NULL) {
        log_error("cannot start the HTTP daemon on %s", listener.url);
        listener_close(&listener);
        drain_free(server->drain);
        server->drain = NULL;
        return 1;
    }
    server->daemon = daemon;
    if (metrics_listener_start(server) != 0) {
        server->daemon = NULL;
        MHD_stop_daemon(daemon);
        listener_close(&listener);
        drain_free(server->drain);
        server->drain = NULL;
        return 1;
    }
    log_info("listening on %s (%d threads, schema %d)", listener.url, config->threads,
             store_schema_version(server->store));

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    drain_and_stop(server, daemon, &listener, signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    drain_free(server->drain);
    server->drain = NULL;
    log_info("stopped");
    return 0;
}
