// SPDX-License-Identifier: MIT
// Photo checks before anything is stored: the type by magic bytes (JPEG, PNG,
// WebP), a walk over the file's structure that refuses truncated or padded files,
// a cap on the pixel count the file declares, and agreement with the declared
// Content-Type. Pure: no I/O, no allocation, no
// mutable state; safe from any thread. Pixels are not decoded.
#ifndef CHENGGUAN_IMAGECHECK_H
#define CHENGGUAN_IMAGECHECK_H

#include <stddef.h>

// Most pixels (width times height) an image may declare: a phone's photo has
// 12 to 50 million; a few kilobytes declaring 20000 x 20000 would make every
// browser that shows it allocate over a gigabyte.
#define IMAGECHECK_MAX_PIXELS 50000000u

enum imagecheck_type {
    IMAGECHECK_UNKNOWN = 0, // not one of the accepted formats
    IMAGECHECK_JPEG,        // image/jpeg
    IMAGECHECK_PNG,         // image/png
    IMAGECHECK_WEBP,        // image/webp
};

// What imagecheck_verify found.
struct imagecheck_result {
    enum imagecheck_type type; // detected by magic bytes; IMAGECHECK_UNKNOWN if none matched
    const char *mime;          // the detected type's MIME name; NULL when unknown
    const char *reason;        // NULL when the image is acceptable, else why not (static text)
};

// Detects the type from the magic bytes alone: FF D8 FF (JPEG), the 8-byte PNG
// signature, "RIFF" <size> "WEBP". Says nothing about completeness. NULL data or
// too short a buffer gives IMAGECHECK_UNKNOWN.
enum imagecheck_type imagecheck_sniff(const void *data, size_t len);

// The MIME name of a type ("image/jpeg", "image/png", "image/webp"), a static
// string; NULL for IMAGECHECK_UNKNOWN or a value out of range.
const char *imagecheck_mime(enum imagecheck_type type);

// The type named by a Content-Type header value: the media type before any ';'
// parameters, surrounding spaces ignored, compared case-insensitively
// ("Image/PNG; q=1" is IMAGECHECK_PNG). "image/jpg" is not accepted.
// NULL or anything else gives IMAGECHECK_UNKNOWN.
enum imagecheck_type imagecheck_type_from_content_type(const char *content_type);

// Checks that data holds one complete image of an accepted type and, when
// declared_content_type is not NULL, that it is the declared type. The rules:
//   JPEG: starts FF D8 FF and ends FF D9; the marker segments up to the first scan
//         lie inside the file, a frame header (SOF) with a non-zero width and
//         height comes before the scan, and at least one byte of scan data follows it.
//   PNG:  the signature, then IHDR as the first chunk (13 bytes, non-zero size, a
//         valid bit depth for its colour type), every chunk inside the file with a
//         correct CRC-32, at least one IDAT, and IEND as the last chunk, ending
//         exactly at the end of the data.
//   WebP: "RIFF" with a size equal to the length minus 8, "WEBP", then chunks that
//         exactly fill the file (even padding, the last pad byte may be missing),
//         the first one VP8, VP8L or VP8X, and an image chunk (VP8, VP8L or, for
//         animations, ANMF) somewhere.
//   Every format: the declared size (JPEG's frame header, PNG's IHDR, WebP's VP8X
//         canvas and every top-level VP8 and VP8L frame) is at most
//         IMAGECHECK_MAX_PIXELS pixels.
// Fills *out and returns out->reason: NULL when acceptable, else a static English
// sentence for the client. out must not be NULL; data may be NULL when len is 0.
const char *imagecheck_verify(const void *data, size_t len, const char *declared_content_type,
                              struct imagecheck_result *out);

#endif
