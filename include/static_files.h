// SPDX-License-Identifier: MIT
// Static files from the web directory: MIME types, ETag revalidation, index.html
// for directories, and a realpath check so no request reaches outside the root.
#ifndef CHENGGUAN_STATIC_FILES_H
#define CHENGGUAN_STATIC_FILES_H

struct request;

// Serves req->path (already normalised) from req->server->web_root for GET/HEAD.
// Returns the status replied: 200, 304, 404 (also for anything outside the root,
// and for any file that is not a front-end asset by its extension).
int static_files_serve(struct request *req);

// The MIME type of a front-end asset by its file name's extension (.html, .js,
// .mjs, .css, images, fonts); NULL for any other file, which is not served.
// Static string.
const char *static_files_mime_type(const char *name);

#endif
