// SPDX-License-Identifier: MIT
// One HTTP request as handlers see it: its arena, path, params, body, the signed-in
// user, and the functions that reply. Everything hangs off the arena and is freed
// when the request completes; handlers never free.
#ifndef CHENGGUAN_REQUEST_H
#define CHENGGUAN_REQUEST_H

#include "jurisdiction.h"
#include "roles.h"
#include "router.h"
#include "workqueue.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;
struct json_problem;
struct server;
struct worktime_calendar;

// The staff user behind a session or API token (filled by the dispatcher).
struct request_user {
    int64_t id;
    char username[64];
    char display_name[128];
    enum role role;
    int64_t org_unit_id;
    char org_unit_code[16];
    char org_unit_type[16]; // city, district, street, community or department
    char org_unit_name[128];
    // What the user may see and act on (built from the place path of their org
    // unit; a department's is the place it belongs to). Ask it, never its path.
    struct jurisdiction jurisdiction;
    char csrf_token[48]; // empty for token clients
    int64_t session_id;  // the session signed in with; 0 for token clients
    bool via_token;      // an API token, not a browser session
    char channel[16];    // the token's intake channel ("12345", "110", "12319")
    int64_t token_id;    // the API token's id; 0 for sessions
};

struct request_header {
    struct request_header *next;
    const char *name;
    const char *value;
};

struct request {
    struct server *server;
    struct arena *arena;
    struct MHD_Connection *connection;
    const char *method;
    char *raw_uri;
    char path[ROUTER_MAX_PATH];
    int path_problem; // enum urlpath_result, 0 when the path is fine
    struct route_match match;
    bool route_found;
    char request_id[17];
    char client_ip[64];
    int64_t started_us;

    // Body: accumulated up to body_limit; body_overflow once past it.
    char *body;
    size_t body_len;
    size_t body_capacity;
    size_t body_limit;
    bool body_overflow;
    bool started;
    bool dispatched;
    bool static_file; // answered from the web directory (counted apart from routes)
    bool writes;      // a write route, counted by the drain
    struct drain_connection *drain_connection; // its connection's entry (drain.h)

    // A handler that waits for slow work (e.g. password hashing) sets suspended and
    // on_suspended; the core suspends the connection, then calls on_suspended,
    // which hands the work to another thread. That thread replies and calls
    // request_resume.
    bool suspended;
    void (*on_suspended)(struct request *req);
    void *on_suspended_data;
    struct workqueue_item pool_item; // the handler pool's queue (handler_pool.c)

    cJSON *json;               // parsed body of a ROUTE_JSON route
    struct request_user *user; // NULL when anonymous
    // The calendar snapshot this request reads, held until it completes
    // (server_calendar); NULL until first asked for.
    const struct worktime_calendar *calendar;

    // Reply, set once by request_reply_*.
    int status;
    struct MHD_Response *response;
    struct request_header *headers;
    struct request_owned_json *owned_json;
};

// Returns the :name param of the matched route, or NULL.
const char *request_param(const struct request *req, const char *name);

// Returns the decoded query-string argument, or NULL when absent.
const char *request_query(const struct request *req, const char *name);

// Returns a request header (case-insensitive name), or NULL.
const char *request_header(const struct request *req, const char *name);

// Queues a response header; both strings must live as long as the request.
void request_add_header(struct request *req, const char *name, const char *value);

// Hands a JSON tree to the request: it is deleted when the request completes.
// Returns tree (NULL stays NULL). Never add an owned tree into another tree.
cJSON *request_own_json(struct request *req, cJSON *tree);

// A new empty JSON object owned by the request (request_own_json), for a reply
// body that may be abandoned on an error path without freeing it by hand.
cJSON *request_json_object(struct request *req);

// Prints a tree into arena memory and hands the tree to the request. Returns the
// text, or NULL when out of memory.
char *request_json_text(struct request *req, cJSON *tree);

// Replies with the JSON tree, which the request now owns. Returns status. Replies
// 500 if the tree is NULL (out of memory while building it).
int request_reply_json(struct request *req, int status, cJSON *body);

// Replies with the error envelope {"error":{"code":code,"message":...}}, for an
// error no single input is to blame for. Returns status.
int request_reply_error(struct request *req, int status, const char *code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

// Replies to a store call that failed with rc (a store_result other than the
// ones the handler answers itself): 507 insufficient_storage for STORE_FULL (the
// disk is full), 503 unavailable for STORE_BUSY (shutting down) and for a
// STORE_ERROR whose database server could not be reached (store_unreachable),
// else 500 internal_error with the message. Returns the status.
int request_reply_store_error(struct request *req, int rc, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

// Replies with the error envelope naming the one input to blame:
// {"error":{"code":code,"message":...,"field":field}}. field is a body member, a
// query parameter or a path parameter, by its API name ("department_id",
// "cursor"); NULL leaves it out. Returns status.
int request_reply_field_error(struct request *req, int status, const char *code, const char *field,
                              const char *format, ...) __attribute__((format(printf, 5, 6)));

// Replies with the error envelope carrying a report of what was refused beside the
// code and message: {"error":{"code":code,"message":...,"report":report}}. The
// request takes report (request_own_json). Returns status.
int request_reply_report_error(struct request *req, int status, const char *code, cJSON *report,
                               const char *format, ...) __attribute__((format(printf, 5, 6)));

// Replies with the envelope for a refused body (json_parse_object or json_check):
// its code, message and field (when it names one). Returns status.
int request_reply_problem(struct request *req, int status, const struct json_problem *problem);

// Replies 429 rate_limited with a Retry-After header of wait_s seconds and the
// message "<what>; try again in <wait_s> s". Returns 429.
int request_reply_rate_limited(struct request *req, int wait_s, const char *what);

// Replies with len bytes that stay valid until the request completes (e.g. arena
// memory or a static buffer). Returns status.
int request_reply_bytes(struct request *req, int status, const char *content_type, const void *data,
                        size_t len);

// Replies with the first size bytes of an open file, which the response then owns
// and closes. Returns status.
int request_reply_fd(struct request *req, int status, const char *content_type, int fd,
                     uint64_t size);

// Replies with a response the caller built (e.g. one streamed from a callback),
// which the request now owns; its headers are the caller's. Returns status.
int request_reply_response(struct request *req, int status, struct MHD_Response *response);

// Wakes a suspended request after its reply was set (from any thread).
void request_resume(struct request *req);

// How long an ETag of request_data_etag holds at most, in seconds.
#define REQUEST_ETAG_SECONDS 30

// A weak ETag for an answer that reads the store: it changes with every write
// this process commits (changes, from store_changes), with who asks and the
// exact request URI, and every REQUEST_ETAG_SECONDS (clocks and lights move).
// In request memory.
const char *request_data_etag(struct request *req, uint64_t changes);

// Sends etag with the answer and lets the client keep it (Cache-Control:
// private, no-cache: revalidate every time). When the request's If-None-Match
// lists it, replies 304 with no body and returns true: the caller returns
// req->status without doing the work. Else returns false.
bool request_unchanged(struct request *req, const char *etag);

// request_unchanged with another Cache-Control value, e.g. "public, no-cache" for
// an answer that is the same for every caller. cache_control must live as long
// as the request.
bool request_unchanged_cached(struct request *req, const char *etag, const char *cache_control);

// Replies with an empty body (for 204 and 304). Returns status.
int request_reply_empty(struct request *req, int status);

#endif
