// SPDX-License-Identifier: MIT
// Photo checks: magic bytes, a structural walk per format (JPEG marker segments,
// PNG chunks with their CRC-32, WebP RIFF chunks), the declared pixel count and
// the declared Content-Type. Pure and allocation-free; the only table is a constant.
#include "imagecheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static uint32_t read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t read_le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t read_le24(const unsigned char *p)
{
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

// The one sentence for every format: a small file may declare a canvas that a
// decoder (a browser showing the photo) would have to allocate gigabytes for.
static const char TOO_MANY_PIXELS[] =
    "the image declares more than 50 megapixels (width times height); send a smaller photo";

static bool pixels_allowed(uint64_t width, uint64_t height)
{
    return width * height <= IMAGECHECK_MAX_PIXELS;
}

enum imagecheck_type imagecheck_sniff(const void *data, size_t len)
{
    const unsigned char *d = data;
    if (d == NULL)
        return IMAGECHECK_UNKNOWN;
    if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return IMAGECHECK_JPEG;
    if (len >= sizeof PNG_SIGNATURE && memcmp(d, PNG_SIGNATURE, sizeof PNG_SIGNATURE) == 0)
        return IMAGECHECK_PNG;
    if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return IMAGECHECK_WEBP;
    return IMAGECHECK_UNKNOWN;
}

const char *imagecheck_mime(enum imagecheck_type type)
{
    switch (type) {
    case IMAGECHECK_JPEG:
        return "image/jpeg";
    case IMAGECHECK_PNG:
        return "image/png";
    case IMAGECHECK_WEBP:
        return "image/webp";
    default:
        return NULL;
    }
}

enum imagecheck_type imagecheck_type_from_content_type(const char *content_type)
{
    if (content_type == NULL)
        return IMAGECHECK_UNKNOWN;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t len = strcspn(content_type, ";");
    while (len > 0 && (content_type[len - 1] == ' ' || content_type[len - 1] == '\t'))
        len--;
    for (int type = IMAGECHECK_JPEG; type <= IMAGECHECK_WEBP; type++) {
        const char *mime = imagecheck_mime((enum imagecheck_type)type);
        if (strlen(mime) == len && strncasecmp(content_type, mime, len) == 0)
            return (enum imagecheck_type)type;
    }
    return IMAGECHECK_UNKNOWN;
}

// A frame header marker: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
static bool jpeg_is_frame_marker(unsigned marker)
{
    return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

static const char *jpeg_check(const unsigned char *d, size_t len)
{
    if (len < 6 || d[len - 2] != 0xff || d[len - 1] != 0xd9)
        return "the JPEG is truncated: it does not end with the end-of-image marker";
    size_t pos = 2;
    bool frame = false;
    for (;;) {
        if (pos >= len - 2 || d[pos] != 0xff)
            return "the JPEG is damaged: its marker segments are broken before the image data";
        while (pos < len - 2 && d[pos] == 0xff)
            pos++; // fill bytes
        unsigned marker = d[pos++];
        if ((marker >= 0xd0 && marker <= 0xd7) || marker == 0x01)
            continue; // markers without a length
        if (marker == 0x00 || marker == 0xd8 || marker == 0xd9 || len - pos < 2)
            return "the JPEG is damaged: its marker segments are broken before the image data";
        size_t segment = (size_t)d[pos] << 8 | d[pos + 1];
        if (segment < 2 || segment > len - 2 - pos)
            return "the JPEG is truncated: a marker segment runs past the end of the file";
        if (jpeg_is_frame_marker(marker)) {
            // precision(1) height(2) width(2) components(1) after the length
            // A height of 0 (to come in a DNL marker) is refused too: the pixel
            // count must be known before anything is stored.
            if (segment < 8 || (d[pos + 5] == 0 && d[pos + 6] == 0) || d[pos + 7] == 0 ||
                (d[pos + 3] == 0 && d[pos + 4] == 0))
                return "the JPEG frame header is invalid (no width, height or components)";
            if (!pixels_allowed((uint64_t)d[pos + 5] << 8 | d[pos + 6],
                                (uint64_t)d[pos + 3] << 8 | d[pos + 4]))
                return TOO_MANY_PIXELS;
            frame = true;
        }
        pos += segment;
        if (marker == 0xda)
            break;
    }
    if (!frame)
        return "the JPEG has no frame header before its image data";
    if (pos >= len - 2)
        return "the JPEG is truncated: it has no image data";
    return NULL;
}

// CRC-32 (ISO 3309, as in PNG), four bits at a time from a constant table.
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t len)
{
    static const uint32_t NIBBLE[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ NIBBLE[crc & 15];
        crc = (crc >> 4) ^ NIBBLE[crc & 15];
    }
    return crc;
}

static bool png_depth_valid(unsigned colour, unsigned depth)
{
    switch (colour) {
    case 0: // greyscale
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: // palette
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: // RGB
    case 4: // greyscale + alpha
    case 6: // RGBA
        return depth == 8 || depth == 16;
    default:
        return false;
    }
}

static const char *png_header_check(const unsigned char *chunk, uint32_t length)
{
    if (length != 13 || memcmp(chunk + 4, "IHDR", 4) != 0)
        return "the PNG does not start with its IHDR header chunk";
    const unsigned char *h = chunk + 8;
    uint32_t width = read_be32(h), height = read_be32(h + 4);
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu)
        return "the PNG header gives an invalid image size";
    if (!pixels_allowed(width, height))
        return TOO_MANY_PIXELS;
    if (!png_depth_valid(h[9], h[8]) || h[10] != 0 || h[11] != 0 || h[12] > 1)
        return "the PNG header gives an invalid colour type, depth or method";
    return NULL;
}

static const char *png_check(const unsigned char *d, size_t len)
{
    size_t pos = sizeof PNG_SIGNATURE;
    bool data = false;
    while (pos < len) {
        if (len - pos < 12)
            return "the PNG is truncated: a chunk is cut short";
        uint32_t length = read_be32(d + pos);
        if (length > 0x7fffffffu || length > len - pos - 12)
            return "the PNG is truncated: a chunk runs past the end of the file";
        const unsigned char *type = d + pos + 4;
        for (int i = 0; i < 4; i++)
            if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z')))
                return "the PNG is damaged: a chunk has an invalid type";
        uint32_t crc = crc32_update(0xffffffffu, type, (size_t)length + 4) ^ 0xffffffffu;
        if (crc != read_be32(type + 4 + length))
            return "the PNG is damaged: a chunk fails its CRC check";
        if (pos == sizeof PNG_SIGNATURE) {
            const char *problem = png_header_check(d + pos, length);
            if (problem != NULL)
                return problem;
        } else if (memcmp(type, "IHDR", 4) == 0) {
            return "the PNG is damaged: it has a second IHDR chunk";
        }
        if (memcmp(type, "IDAT", 4) == 0)
            data = true;
        pos += (size_t)length + 12;
        if (memcmp(type, "IEND", 4) == 0) {
            if (length != 0 || pos != len)
                return "the PNG has data after its IEND chunk";
            return data ? NULL : "the PNG has no image data (IDAT)";
        }
    }
    return "the PNG is truncated: it has no IEND chunk";
}

// The first chunk's own sanity: VP8 needs its start code, VP8L its signature byte.
static const char *webp_first_chunk_check(const unsigned char *chunk, uint32_t size)
{
    if (memcmp(chunk, "VP8 ", 4) == 0) {
        if (size < 10 || chunk[11] != 0x9d || chunk[12] != 0x01 || chunk[13] != 0x2a)
            return "the WebP image data (VP8) is invalid";
    } else if (memcmp(chunk, "VP8L", 4) == 0) {
        if (size < 5 || chunk[8] != 0x2f)
            return "the WebP image data (VP8L) is invalid";
    } else if (memcmp(chunk, "VP8X", 4) == 0) {
        if (size < 10)
            return "the WebP extended header (VP8X) is invalid";
    } else {
        return "the WebP does not start with a VP8, VP8L or VP8X chunk";
    }
    return NULL;
}

// The pixel count a VP8, VP8L or VP8X chunk declares (the canvas for VP8X), once
// its size was checked by webp_first_chunk_check or, later in the file, here.
// Returns NULL or why the image is refused.
static const char *webp_size_check(const unsigned char *chunk, uint32_t size)
{
    const unsigned char *p = chunk + 8;
    uint64_t width, height;
    if (memcmp(chunk, "VP8 ", 4) == 0) {
        if (size < 10)
            return "the WebP image data (VP8) is invalid";
        // After the frame tag and start code: 14-bit width and height (2 bits of scale).
        width = (p[6] | (uint32_t)p[7] << 8) & 0x3fff;
        height = (p[8] | (uint32_t)p[9] << 8) & 0x3fff;
    } else if (memcmp(chunk, "VP8L", 4) == 0) {
        if (size < 5)
            return "the WebP image data (VP8L) is invalid";
        // After the signature byte: width - 1 and height - 1 in 14 bits each.
        uint32_t bits = read_le32(p + 1);
        width = (bits & 0x3fff) + 1;
        height = ((bits >> 14) & 0x3fff) + 1;
    } else if (memcmp(chunk, "VP8X", 4) == 0) {
        if (size < 10)
            return "the WebP extended header (VP8X) is invalid";
        width = (uint64_t)read_le24(p + 4) + 1;
        height = (uint64_t)read_le24(p + 7) + 1;
    } else {
        return NULL;
    }
    return pixels_allowed(width, height) ? NULL : TOO_MANY_PIXELS;
}

static const char *webp_check(const unsigned char *d, size_t len)
{
    if ((uint64_t)read_le32(d + 4) + 8 != len)
        return "the WebP is truncated or padded: its RIFF size does not match its length";
    size_t pos = 12;
    bool image = false;
    if (len - pos < 8)
        return "the WebP is truncated: it has no chunks";
    while (pos < len) {
        if (len - pos < 8)
            return "the WebP is truncated: a chunk is cut short";
        uint32_t size = read_le32(d + pos + 4);
        if (size > len - pos - 8)
            return "the WebP is truncated: a chunk runs past the end of the file";
        const char *problem = pos == 12 ? webp_first_chunk_check(d + pos, size) : NULL;
        if (problem == NULL)
            problem = webp_size_check(d + pos, size);
        if (problem != NULL)
            return problem;
        const unsigned char *fourcc = d + pos;
        if (memcmp(fourcc, "VP8 ", 4) == 0 || memcmp(fourcc, "VP8L", 4) == 0 ||
            memcmp(fourcc, "ANMF", 4) == 0)
            image = true;
        pos += 8 + (size_t)size;
        if (size % 2 == 1 && pos < len)
            pos++; // the pad byte; only the last chunk may lack it
    }
    return image ? NULL : "the WebP has no image data";
}

// Static sentences for a declared type that differs from the detected one.
static const char *mismatch_reason(enum imagecheck_type detected)
{
    switch (detected) {
    case IMAGECHECK_JPEG:
        return "the Content-Type does not match the data, which is a JPEG image";
    case IMAGECHECK_PNG:
        return "the Content-Type does not match the data, which is a PNG image";
    default:
        return "the Content-Type does not match the data, which is a WebP image";
    }
}

const char *imagecheck_verify(const void *data, size_t len, const char *declared_content_type,
                              struct imagecheck_result *out)
{
    const unsigned char *d = data;
    out->type = imagecheck_sniff(data, len);
    out->mime = imagecheck_mime(out->type);
    out->reason = NULL;
    switch (out->type) {
    case IMAGECHECK_JPEG:
        out->reason = jpeg_check(d, len);
        break;
    case IMAGECHECK_PNG:
        out->reason = png_check(d, len);
        break;
    case IMAGECHECK_WEBP:
        out->reason = webp_check(d, len);
        break;
    default:
        out->reason = "the data is not a JPEG, PNG or WebP image";
        return out->reason;
    }
    if (out->reason == NULL && declared_content_type != NULL &&
        imagecheck_type_from_content_type(declared_content_type) != out->type)
        out->reason = mismatch_reason(out->type);
    return out->reason;
}
