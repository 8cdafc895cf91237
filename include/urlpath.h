// SPDX-License-Identifier: MIT
// Strict decoding and normalisation of the path part of a raw request target.
// Pure: no I/O. Used for routing and to keep static files inside web/.
#ifndef CHENGGUAN_URLPATH_H
#define CHENGGUAN_URLPATH_H

#include <stddef.h>

enum urlpath_result {
    URLPATH_OK = 0,
    URLPATH_BAD_ESCAPE,    // '%' not followed by two hex digits
    URLPATH_NUL,           // a raw or encoded NUL byte
    URLPATH_ENCODED_SLASH, // %2F or %5C: a slash smuggled past the splitter
    URLPATH_BACKSLASH,     // a raw backslash
    URLPATH_DOT_DOT,       // a ".." segment, raw or encoded
    URLPATH_NOT_ABSOLUTE,  // does not start with '/'
    URLPATH_CONTROL,       // a control character
    URLPATH_TOO_LONG,      // does not fit in the output buffer
};

// Decodes the path of `raw` (up to the first '?' or '#'), refusing everything that
// could name a file outside the root, and writes the normalised form into out
// (at most out_size bytes including the NUL): empty and "." segments removed, a
// trailing slash kept. Returns URLPATH_OK or the first problem found.
enum urlpath_result urlpath_normalize(const char *raw, char *out, size_t out_size);

// A short English description of a result, for the error envelope. Static string.
const char *urlpath_result_message(enum urlpath_result result);

#endif
