// SPDX-License-Identifier: MIT
// Reply helpers: each builds one libmicrohttpd response and records it on the
// request; the core queues it, adds the common headers and logs the line.
#include "request.h"

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "textseg.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *request_param(const struct request *req, const char *name)
{
    return req->route_found ? route_match_param(&req->match, name) : NULL;
}

const char *request_query(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *request_header(const struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

void request_add_header(struct request *req, const char *name, const char *value)
{
    struct request_header *h = arena_alloc(req->arena, sizeof *h);
    if (h == NULL)
        return;
    h->name = name;
    h->value = value;
    h->next = req->headers;
    req->headers = h;
}

// Records the response, dropping any earlier one (a handler that replies twice
// keeps its last word).
static int set_response(struct request *req, int status, struct MHD_Response *response,
                        const char *content_type)
{
    if (response == NULL) {
        log_error("request %s: could not create a response", req->request_id);
        return status;
    }
    if (content_type != NULL)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (req->response != NULL)
        MHD_destroy_response(req->response);
    req->response = response;
    req->status = status;
    return status;
}

struct request_owned_json {
    struct request_owned_json *next;
    cJSON *tree;
};

static void delete_owned_json(void *data)
{
    for (struct request_owned_json *o = data; o != NULL; o = o->next)
        cJSON_Delete(o->tree);
}

cJSON *request_own_json(struct request *req, cJSON *tree)
{
    if (tree == NULL)
        return NULL;
    for (struct request_owned_json *o = req->owned_json; o != NULL; o = o->next)
        if (o->tree == tree)
            return tree;
    struct request_owned_json *node = arena_alloc(req->arena, sizeof *node);
    if (node == NULL) {
        // Out of memory: keep the tree alive until the request ends anyway.
        arena_defer(req->arena, (void (*)(void *))cJSON_Delete, tree);
        return tree;
    }
    node->tree = tree;
    node->next = NULL;
    if (req->owned_json == NULL) {
        req->owned_json = node;
        arena_defer(req->arena, delete_owned_json, node);
    } else {
        // Append behind the head, which the cleanup already holds.
        node->next = req->owned_json->next;
        req->owned_json->next = node;
    }
    return tree;
}

cJSON *request_json_object(struct request *req)
{
    return request_own_json(req, cJSON_CreateObject());
}

char *request_json_text(struct request *req, cJSON *tree)
{
    if (request_own_json(req, tree) == NULL)
        return NULL;
    char *printed = cJSON_PrintUnformatted(tree);
    char *text = printed ? arena_strdup(req->arena, printed) : NULL;
    cJSON_free(printed);
    return text;
}

int request_reply_json(struct request *req, int status, cJSON *body)
{
    if (body == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    char *text = cJSON_PrintUnformatted(request_own_json(req, body));
    if (text == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    struct MHD_Response *response =
        MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
    if (response == NULL)
        free(text);
    return set_response(req, status, response, "application/json; charset=utf-8");
}

// The one renderer of the error envelope {"error":{code, message, field?, report?}}:
// field NULL leaves "field" out, report NULL leaves "report" out (a tree the
// request owns, referenced, not copied).
static int reply_error(struct request *req, int status, const char *code, const char *field,
                       cJSON *report, const char *format, va_list ap)
{
    char formatted[512], message[512];
    vsnprintf(formatted, sizeof formatted, format, ap);
    // Messages echo what the client sent (a path, a parameter): a byte that is not
    // UTF-8 (or a character cut by the buffer) must not make the body invalid JSON.
    textseg_utf8_escape(formatted, message, sizeof message);
    cJSON *root = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(root, "error");
    if (error == NULL || cJSON_AddStringToObject(error, "code", code) == NULL ||
        cJSON_AddStringToObject(error, "message", message) == NULL ||
        (field != NULL && cJSON_AddStringToObject(error, "field", field) == NULL) ||
        (report != NULL && !cJSON_AddItemReferenceToObject(error, "report", report))) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (root == NULL && status == 500) {
        static const char FALLBACK[] =
            "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
        return request_reply_bytes(req, 500, "application/json; charset=utf-8", FALLBACK,
                                   sizeof FALLBACK - 1);
    }
    return request_reply_json(req, status, root);
}

int request_reply_store_error(struct request *req, int rc, const char *format, ...)
{
    if (rc == STORE_FULL)
        return request_reply_error(req, 507, ERR_INSUFFICIENT_STORAGE,
                                   "the server's disk is full: nothing was saved; reading "
                                   "still works, try again later");
    if (rc == STORE_BUSY)
        return request_reply_error(req, 503, ERR_UNAVAILABLE, "the server is shutting down");
    if (rc == STORE_ERROR && store_unreachable())
        return request_reply_error(req, 503, ERR_UNAVAILABLE,
                                   "the database cannot be reached; try again later");
    va_list ap;
    va_start(ap, format);
    int result = reply_error(req, 500, ERR_INTERNAL, NULL, NULL, format, ap);
    va_end(ap);
    return result;
}

int request_reply_error(struct request *req, int status, const char *code, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int result = reply_error(req, status, code, NULL, NULL, format, ap);
    va_end(ap);
    return result;
}

int request_reply_field_error(struct request *req, int status, const char *code, const char *field,
                              const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int result = reply_error(req, status, code, field, NULL, format, ap);
    va_end(ap);
    return result;
}

int request_reply_report_error(struct request *req, int status, const char *code, cJSON *report,
                               const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int result = reply_error(req, status, code, NULL, request_own_json(req, report), format, ap);
    va_end(ap);
    return result;
}

int request_reply_problem(struct request *req, int status, const struct json_problem *problem)
{
    return request_reply_field_error(req, status, problem->code,
                                     problem->field[0] ? problem->field : NULL, "%s",
                                     problem->message);
}

int request_reply_rate_limited(struct request *req, int wait_s, const char *what)
{
    request_add_header(req, "Retry-After", arena_printf(req->arena, "%d", wait_s));
    return request_reply_error(req, 429, ERR_RATE_LIMITED, "%s; try again in %d s", what, wait_s);
}

int request_reply_bytes(struct request *req, int status, const char *content_type, const void *data,
                        size_t len)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    return set_response(req, status, response, content_type);
}

int request_reply_fd(struct request *req, int status, const char *content_type, int fd,
                     uint64_t size)
{
    struct MHD_Response *response = MHD_create_response_from_fd64(size, fd);
    if (response == NULL)
        close(fd);
    return set_response(req, status, response, content_type);
}

int request_reply_response(struct request *req, int status, struct MHD_Response *response)
{
    return set_response(req, status, response, NULL);
}

void request_resume(struct request *req)
{
    req->suspended = false;
    MHD_resume_connection(req->connection);
}

// True when an If-None-Match header value lists etag (or is "*").
static bool etag_listed(const char *header, const char *etag)
{
    return header != NULL && (strcmp(header, "*") == 0 || strstr(header, etag) != NULL);
}

bool request_unchanged(struct request *req, const char *etag)
{
    return request_unchanged_cached(req, etag, "private, no-cache");
}

bool request_unchanged_cached(struct request *req, const char *etag, const char *cache_control)
{
    request_add_header(req, "ETag", etag);
    request_add_header(req, "Cache-Control", cache_control);
    if (!etag_listed(request_header(req, "If-None-Match"), etag))
        return false;
    request_reply_empty(req, 304);
    return true;
}

const char *request_data_etag(struct request *req, uint64_t changes)
{
    // Who asks and what: the same query of another jurisdiction is another answer.
    unsigned char digest[8];
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, sizeof digest);
    char user[48];
    snprintf(user, sizeof user, "%lld:%d;", (long long)(req->user ? req->user->id : 0),
             req->user ? (int)req->user->role : 0);
    crypto_generichash_update(&state, (const unsigned char *)user, strlen(user));
    const char *uri = req->raw_uri ? req->raw_uri : req->path;
    crypto_generichash_update(&state, (const unsigned char *)uri, strlen(uri));
    crypto_generichash_final(&state, digest, sizeof digest);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    // Clocks and traffic lights move with time: an answer is good for 30 s at most.
    long long bucket = (long long)(time(NULL) / REQUEST_ETAG_SECONDS);
    return arena_printf(req->arena, "W/\"%llx-%llx-%s\"", (unsigned long long)changes, bucket, hex);
}

int request_reply_empty(struct request *req, int status)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    return set_response(req, status, response, NULL);
}
