// SPDX-License-Identifier: MIT
// The OpenAPI 3.1 document of the HTTP API: src/api/openapi.json, embedded at
// build time (the Makefile generates its definition), so the binary serves the
// document of exactly the routes it was built with.
#ifndef CHENGGUAN_OPENAPI_H
#define CHENGGUAN_OPENAPI_H

#include <stddef.h>

// The document's bytes, followed by a NUL that OPENAPI_DOCUMENT_SIZE leaves out.
extern const char OPENAPI_DOCUMENT[];
extern const size_t OPENAPI_DOCUMENT_SIZE;

// A strong ETag of the document ("\"<hex>\"", quotes included): part of its
// SHA-256, so every change of the document is a new tag.
extern const char OPENAPI_ETAG[];

#endif
