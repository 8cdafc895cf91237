// SPDX-License-Identifier: MIT
// Static files: the path was already normalised (no "..", no encoded slash); the
// resolved real path must still lie inside the web root, which also defeats
// symlinks pointing out of it. Only the front end's own kinds of file are served:
// the build's files beside them (package.json, vendor.sh...) are not the site.
#include "static_files.h"

#include "arena.h"
#include "errors.h"
#include "request.h"
#include "server.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// The kinds of file the pages are made of, and nothing else: the allow-list of
// what the server hands out from the web directory.
static const struct {
    const char *extension;
    const char *type;
} ASSET_TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
};

const char *static_files_mime_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof ASSET_TYPES / sizeof ASSET_TYPES[0]; i++)
            if (strcasecmp(dot, ASSET_TYPES[i].extension) == 0)
                return ASSET_TYPES[i].type;
    return NULL;
}

// True when an If-None-Match header value lists etag (or is "*").
static bool etag_matches(const char *header, const char *etag)
{
    if (header == NULL)
        return false;
    if (strcmp(header, "*") == 0)
        return true;
    return strstr(header, etag) != NULL;
}

static int not_found(struct request *req)
{
    return request_reply_error(req, 404, ERR_NOT_FOUND, "no such file: %s", req->path);
}

// True for paths that are part of the build, not of the site: installed npm
// packages (only web/vendor/ copies are served) and dot files.
static bool hidden_path(const char *path)
{
    return strncmp(path, "/node_modules", 13) == 0 || strstr(path, "/.") != NULL;
}

int static_files_serve(struct request *req)
{
    const char *root = req->server->web_root;
    if (hidden_path(req->path))
        return not_found(req);
    size_t path_len = strlen(req->path);
    bool directory = req->path[path_len - 1] == '/';
    char *candidate =
        arena_printf(req->arena, "%s%s%s", root, req->path, directory ? "index.html" : "");
    char resolved[PATH_MAX];
    if (candidate == NULL || realpath(candidate, resolved) == NULL)
        return not_found(req);
    struct stat st;
    if (stat(resolved, &st) != 0)
        return not_found(req);
    if (S_ISDIR(st.st_mode)) {
        // A directory named without its slash: serve its index.html.
        candidate = arena_printf(req->arena, "%s/index.html", resolved);
        if (candidate == NULL || realpath(candidate, resolved) == NULL || stat(resolved, &st) != 0)
            return not_found(req);
    }
    size_t root_len = strlen(root);
    const char *type = static_files_mime_type(resolved);
    if (strncmp(resolved, root, root_len) != 0 || resolved[root_len] != '/' ||
        !S_ISREG(st.st_mode) || type == NULL)
        return not_found(req);

    char *etag = arena_printf(req->arena, "\"%llx-%llx\"", (unsigned long long)st.st_size,
                              (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                                  (unsigned long long)st.st_mtim.tv_nsec);
    if (etag == NULL)
        return request_reply_error(req, 500, ERR_INTERNAL, "out of memory");
    request_add_header(req, "ETag", etag);
    request_add_header(req, "Cache-Control", "no-cache");
    if (etag_matches(request_header(req, "If-None-Match"), etag))
        return request_reply_empty(req, 304);
    int fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return not_found(req);
    return request_reply_fd(req, 200, type, fd, (uint64_t)st.st_size);
}
