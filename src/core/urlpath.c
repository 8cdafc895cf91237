// SPDX-License-Identifier: MIT
// Strict path decoding: percent escapes are decoded once, and anything that could
// step outside the document root (dot-dot, encoded slashes, NUL) is refused
// rather than repaired.
#include "urlpath.h"

#include <stdbool.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Appends one decoded segment [seg, seg+len) to out unless it is empty or ".".
static enum urlpath_result push_segment(const char *seg, size_t len, char *out, size_t out_size,
                                        size_t *used)
{
    if (len == 0 || (len == 1 && seg[0] == '.'))
        return URLPATH_OK;
    if (len == 2 && seg[0] == '.' && seg[1] == '.')
        return URLPATH_DOT_DOT;
    if (*used + 1 + len + 1 > out_size)
        return URLPATH_TOO_LONG;
    out[(*used)++] = '/';
    memcpy(out + *used, seg, len);
    *used += len;
    return URLPATH_OK;
}

enum urlpath_result urlpath_normalize(const char *raw, char *out, size_t out_size)
{
    if (out_size < 2)
        return URLPATH_TOO_LONG;
    if (raw[0] != '/')
        return URLPATH_NOT_ABSOLUTE;
    char segment[4096];
    size_t seg_len = 0, used = 0;
    bool trailing_slash = false;
    for (const char *p = raw;; p++) {
        char c = *p;
        bool end = (c == '\0' || c == '?' || c == '#');
        if (end || c == '/') {
            enum urlpath_result r = push_segment(segment, seg_len, out, out_size, &used);
            if (r != URLPATH_OK)
                return r;
            if (end) {
                trailing_slash = (p > raw && p[-1] == '/');
                break;
            }
            seg_len = 0;
            continue;
        }
        if (c == '\\')
            return URLPATH_BACKSLASH;
        if (c == '%') {
            int hi = hex_value(p[1]);
            int lo = hi < 0 ? -1 : hex_value(p[2]);
            if (hi < 0 || lo < 0)
                return URLPATH_BAD_ESCAPE;
            c = (char)(hi * 16 + lo);
            p += 2;
            if (c == '\0')
                return URLPATH_NUL;
            if (c == '/' || c == '\\')
                return URLPATH_ENCODED_SLASH;
        }
        if ((unsigned char)c < 0x20 || c == 0x7f)
            return URLPATH_CONTROL;
        if (seg_len + 1 >= sizeof segment)
            return URLPATH_TOO_LONG;
        segment[seg_len++] = c;
    }
    if (used == 0 || trailing_slash) {
        if (used + 2 > out_size)
            return URLPATH_TOO_LONG;
        out[used++] = '/';
    }
    out[used] = '\0';
    return URLPATH_OK;
}

const char *urlpath_result_message(enum urlpath_result result)
{
    switch (result) {
    case URLPATH_OK:
        return "ok";
    case URLPATH_BAD_ESCAPE:
        return "the path has a malformed percent escape";
    case URLPATH_NUL:
        return "the path contains a NUL byte";
    case URLPATH_ENCODED_SLASH:
        return "the path contains an encoded slash";
    case URLPATH_BACKSLASH:
        return "the path contains a backslash";
    case URLPATH_DOT_DOT:
        return "the path contains a '..' segment";
    case URLPATH_NOT_ABSOLUTE:
        return "the path must start with '/'";
    case URLPATH_CONTROL:
        return "the path contains a control character";
    case URLPATH_TOO_LONG:
        return "the path is too long";
    }
    return "bad path";
}
