// SPDX-License-Identifier: MIT
// Tests of the photo checks: real minimal images of each format (an 8x8 grey
// baseline JPEG, a 1x1 PNG with a stored deflate block, a 1x1 lossless WebP) are
// accepted; truncated, padded, damaged, mislabelled and non-image data are refused.
#include "imagecheck.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// An 8x8 grey baseline JPEG: SOI, DQT, SOF0, two one-code DHTs, SOS, one byte
// of scan data (DC category 0, end of block), EOI. libjpeg decodes it to grey 128.
static const unsigned char JPEG_8X8[] = {
    0xff, 0xd8, // SOI
    0xff, 0xdb, 0x00, 0x43, 0x00, 1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1, // DQT
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, 1, 1,
    0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, // SOF0
    0xff, 0xc4, 0x00, 0x14, 0x00, 1,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0,
    0,    0,    0,    0,    0,    0x00, // DHT DC
    0xff, 0xc4, 0x00, 0x14, 0x10, 1,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0,
    0,    0,    0,    0,    0,    0x00,                         // DHT AC
    0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
    0x3f,                                                       // scan
    0xff, 0xd9,                                                 // EOI
};
enum { JPEG_SOF_AT = 71, JPEG_SOS_AT = 128 };

// A 1x1 lossless WebP (VP8L, one grey opaque pixel built from one-symbol codes).
static const unsigned char WEBP_1X1[] = {
    'R',  'I',  'F',  'F',  0x18, 0x00, 0x00, 0x00, 'W',  'E',  'B',  'P',  'V',  'P',  '8',  'L',
    0x0c, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x10, 0x28, 0x60, 0x01, 0x0b, 0xd8, 0xff, 0x00,
};

// Bitwise CRC-32, independent of the table-driven one under test.
static uint32_t test_crc32(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return crc ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

// Appends a PNG chunk with its CRC at out + *len.
static void add_chunk(unsigned char *out, size_t *len, const char *type, const void *data,
                      size_t size)
{
    unsigned char *c = out + *len;
    put_be32(c, (uint32_t)size);
    memcpy(c + 4, type, 4);
    if (size > 0)
        memcpy(c + 8, data, size);
    put_be32(c + 8 + size, test_crc32(c + 4, size + 4));
    *len += size + 12;
}

// Builds a 1x1 PNG (colour type `colour`, depth `depth`, width `width`) into out
// (at least 128 bytes); returns its length. with_idat false leaves out the IDAT.
static size_t make_png(unsigned char *out, uint32_t width, unsigned depth, unsigned colour,
                       bool with_idat)
{
    static const unsigned char SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    // zlib: header 78 01, one stored block of 2 bytes (filter 0, grey 0x80), Adler-32.
    static const unsigned char IDAT[] = {0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff,
                                         0x00, 0x80, 0x00, 0x82, 0x00, 0x81};
    unsigned char ihdr[13] = {0};
    put_be32(ihdr, width);
    put_be32(ihdr + 4, 1);
    ihdr[8] = (unsigned char)depth;
    ihdr[9] = (unsigned char)colour;
    size_t len = sizeof SIGNATURE;
    memcpy(out, SIGNATURE, len);
    add_chunk(out, &len, "IHDR", ihdr, sizeof ihdr);
    if (with_idat)
        add_chunk(out, &len, "IDAT", IDAT, sizeof IDAT);
    add_chunk(out, &len, "IEND", NULL, 0);
    return len;
}

static const char *verify(const void *data, size_t len, const char *declared)
{
    struct imagecheck_result result;
    const char *reason = imagecheck_verify(data, len, declared, &result);
    cr_assert_eq(reason, result.reason);
    return reason;
}

Test(imagecheck, sniffs_by_magic_bytes)
{
    unsigned char png[128];
    size_t png_len = make_png(png, 1, 8, 0, true);
    cr_assert_eq(imagecheck_sniff(JPEG_8X8, sizeof JPEG_8X8), IMAGECHECK_JPEG);
    cr_assert_eq(imagecheck_sniff(png, png_len), IMAGECHECK_PNG);
    cr_assert_eq(imagecheck_sniff(WEBP_1X1, sizeof WEBP_1X1), IMAGECHECK_WEBP);
    cr_assert_eq(imagecheck_sniff("GIF89a......", 12), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_sniff("RIFF....WAVE", 12), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_sniff(JPEG_8X8, 2), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_sniff(NULL, 100), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_sniff("", 0), IMAGECHECK_UNKNOWN);
}

Test(imagecheck, mime_names)
{
    cr_assert_str_eq(imagecheck_mime(IMAGECHECK_JPEG), "image/jpeg");
    cr_assert_str_eq(imagecheck_mime(IMAGECHECK_PNG), "image/png");
    cr_assert_str_eq(imagecheck_mime(IMAGECHECK_WEBP), "image/webp");
    cr_assert_null(imagecheck_mime(IMAGECHECK_UNKNOWN));
    cr_assert_null(imagecheck_mime((enum imagecheck_type)42));
}

Test(imagecheck, content_type_parsing)
{
    cr_assert_eq(imagecheck_type_from_content_type("image/jpeg"), IMAGECHECK_JPEG);
    cr_assert_eq(imagecheck_type_from_content_type("Image/PNG; charset=binary"), IMAGECHECK_PNG);
    cr_assert_eq(imagecheck_type_from_content_type("  image/webp  ;x=1"), IMAGECHECK_WEBP);
    cr_assert_eq(imagecheck_type_from_content_type("image/jpg"), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_type_from_content_type("image/jpegx"), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_type_from_content_type("image/gif"), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_type_from_content_type(""), IMAGECHECK_UNKNOWN);
    cr_assert_eq(imagecheck_type_from_content_type(NULL), IMAGECHECK_UNKNOWN);
}

Test(imagecheck, accepts_complete_images_of_each_type)
{
    unsigned char png[128];
    size_t png_len = make_png(png, 1, 8, 0, true);
    struct imagecheck_result r;
    cr_assert_null(imagecheck_verify(JPEG_8X8, sizeof JPEG_8X8, "image/jpeg", &r));
    cr_assert_eq(r.type, IMAGECHECK_JPEG);
    cr_assert_str_eq(r.mime, "image/jpeg");
    cr_assert_null(imagecheck_verify(png, png_len, "image/png", &r));
    cr_assert_str_eq(r.mime, "image/png");
    cr_assert_null(imagecheck_verify(WEBP_1X1, sizeof WEBP_1X1, "image/webp; q=1", &r));
    cr_assert_str_eq(r.mime, "image/webp");
    // Without a declared type only the data is judged.
    cr_assert_null(verify(JPEG_8X8, sizeof JPEG_8X8, NULL));
}

Test(imagecheck, refuses_text_sent_as_an_image)
{
    static const char TEXT[] = "just some text, not a photo\n";
    struct imagecheck_result r;
    const char *reason = imagecheck_verify(TEXT, sizeof TEXT - 1, "image/jpeg", &r);
    cr_assert_not_null(reason);
    cr_assert_eq(r.type, IMAGECHECK_UNKNOWN);
    cr_assert_null(r.mime);
    cr_assert(strstr(reason, "not a JPEG, PNG or WebP") != NULL, "%s", reason);
    cr_assert_not_null(verify(NULL, 0, "image/png"));
}

Test(imagecheck, refuses_a_declared_type_that_differs_from_the_data)
{
    unsigned char png[128];
    size_t png_len = make_png(png, 1, 8, 0, true);
    const char *reason = verify(png, png_len, "image/jpeg");
    cr_assert_not_null(reason);
    cr_assert(strstr(reason, "PNG") != NULL, "%s", reason);
    reason = verify(JPEG_8X8, sizeof JPEG_8X8, "image/webp");
    cr_assert(reason != NULL && strstr(reason, "JPEG") != NULL);
    reason = verify(WEBP_1X1, sizeof WEBP_1X1, "image/png");
    cr_assert(reason != NULL && strstr(reason, "WebP") != NULL);
    cr_assert_not_null(verify(JPEG_8X8, sizeof JPEG_8X8, "application/octet-stream"));
}

// No proper prefix of a valid image is accepted (and none crashes the walk).
Test(imagecheck, refuses_every_truncation)
{
    unsigned char png[128];
    size_t png_len = make_png(png, 1, 8, 0, true);
    for (size_t n = 0; n < sizeof JPEG_8X8; n++)
        cr_assert_not_null(verify(JPEG_8X8, n, NULL), "JPEG prefix of %zu bytes accepted", n);
    for (size_t n = 0; n < png_len; n++)
        cr_assert_not_null(verify(png, n, NULL), "PNG prefix of %zu bytes accepted", n);
    for (size_t n = 0; n < sizeof WEBP_1X1; n++)
        cr_assert_not_null(verify(WEBP_1X1, n, NULL), "WebP prefix of %zu bytes accepted", n);
    const char *reason = verify(JPEG_8X8, sizeof JPEG_8X8 - 2, "image/jpeg");
    cr_assert(strstr(reason, "truncated") != NULL, "%s", reason);
}

// A JPEG cut in the middle whose sender appended FF D9 is still refused.
Test(imagecheck, refuses_a_cut_jpeg_with_an_end_marker_glued_on)
{
    unsigned char cut[64];
    memcpy(cut, JPEG_8X8, 40);
    cut[40] = 0xff;
    cut[41] = 0xd9;
    const char *reason = verify(cut, 42, "image/jpeg");
    cr_assert(reason != NULL && strstr(reason, "runs past the end") != NULL, "%s", reason);
    // Up to the SOS header, no scan data.
    unsigned char noscan[sizeof JPEG_8X8];
    memcpy(noscan, JPEG_8X8, JPEG_SOS_AT + 10);
    noscan[JPEG_SOS_AT + 10] = 0xff;
    noscan[JPEG_SOS_AT + 11] = 0xd9;
    reason = verify(noscan, JPEG_SOS_AT + 12, NULL);
    cr_assert(reason != NULL && strstr(reason, "no image data") != NULL, "%s", reason);
}

Test(imagecheck, refuses_a_jpeg_without_a_valid_frame_header)
{
    unsigned char no_sof[sizeof JPEG_8X8];
    size_t n = 0;
    memcpy(no_sof, JPEG_8X8, JPEG_SOF_AT);
    n = JPEG_SOF_AT;
    memcpy(no_sof + n, JPEG_8X8 + JPEG_SOF_AT + 13, sizeof JPEG_8X8 - JPEG_SOF_AT - 13);
    n += sizeof JPEG_8X8 - JPEG_SOF_AT - 13;
    const char *reason = verify(no_sof, n, NULL);
    cr_assert(reason != NULL && strstr(reason, "no frame header") != NULL, "%s", reason);

    unsigned char zero_width[sizeof JPEG_8X8];
    memcpy(zero_width, JPEG_8X8, sizeof JPEG_8X8);
    cr_assert_eq(zero_width[JPEG_SOF_AT + 1], 0xc0);
    zero_width[JPEG_SOF_AT + 7] = 0;
    zero_width[JPEG_SOF_AT + 8] = 0;
    cr_assert_not_null(verify(zero_width, sizeof zero_width, NULL));

    unsigned char garbage[sizeof JPEG_8X8];
    memcpy(garbage, JPEG_8X8, sizeof JPEG_8X8);
    garbage[JPEG_SOF_AT] = 0x12; // not a marker where one must be
    cr_assert_not_null(verify(garbage, sizeof garbage, NULL));
}

Test(imagecheck, refuses_damaged_or_padded_pngs)
{
    unsigned char png[160];
    size_t len = make_png(png, 1, 8, 0, true);
    // Bytes after IEND.
    png[len] = 0;
    const char *reason = verify(png, len + 1, NULL);
    cr_assert(reason != NULL && strstr(reason, "after its IEND") != NULL, "%s", reason);
    // Any single flipped byte is caught (signature, length, type, data or CRC).
    for (size_t i = 0; i < len; i++) {
        png[i] ^= 0x01;
        cr_assert_not_null(verify(png, len, NULL), "flipped byte %zu accepted", i);
        png[i] ^= 0x01;
    }
    cr_assert_null(verify(png, len, NULL));
    png[45] ^= 0x40; // inside IDAT's data (chunk at 33, data from 41)
    reason = verify(png, len, NULL);
    cr_assert(reason != NULL && strstr(reason, "CRC") != NULL, "%s", reason);
}

Test(imagecheck, refuses_pngs_with_a_bad_header_or_no_data)
{
    unsigned char png[128];
    size_t len = make_png(png, 0, 8, 0, true);
    cr_assert(strstr(verify(png, len, NULL), "size") != NULL);
    len = make_png(png, 1, 4, 2, true); // RGB cannot be 4 bits deep
    cr_assert(strstr(verify(png, len, NULL), "colour type") != NULL);
    len = make_png(png, 1, 16, 0, true); // 16-bit grey is fine structurally
    cr_assert_null(verify(png, len, NULL));
    len = make_png(png, 1, 8, 0, false);
    cr_assert(strstr(verify(png, len, NULL), "IDAT") != NULL);
    // IEND first: the header chunk is missing.
    unsigned char bare[64];
    size_t n = 8;
    memcpy(bare, png, 8);
    add_chunk(bare, &n, "IEND", NULL, 0);
    cr_assert(strstr(verify(bare, n, NULL), "IHDR") != NULL);
}

Test(imagecheck, refuses_webps_with_a_wrong_size_or_chunks)
{
    unsigned char webp[64];
    memcpy(webp, WEBP_1X1, sizeof WEBP_1X1);
    // One byte more than the RIFF size says.
    webp[sizeof WEBP_1X1] = 0;
    const char *reason = verify(webp, sizeof WEBP_1X1 + 1, NULL);
    cr_assert(reason != NULL && strstr(reason, "RIFF size") != NULL, "%s", reason);
    // The RIFF size adjusted too, but the chunk walk finds the stray byte.
    webp[4] = 0x19;
    cr_assert_not_null(verify(webp, sizeof WEBP_1X1 + 1, NULL));
    webp[4] = 0x18;
    // A first chunk that is not an image chunk.
    memcpy(webp + 12, "ICCP", 4);
    cr_assert(strstr(verify(webp, sizeof WEBP_1X1, NULL), "VP8") != NULL);
    memcpy(webp + 12, "VP8L", 4);
    webp[20] = 0x2e; // VP8L signature byte
    cr_assert(strstr(verify(webp, sizeof WEBP_1X1, NULL), "VP8L") != NULL);
    webp[20] = 0x2f;
    webp[16] = 0x40; // the chunk claims more bytes than the file has
    cr_assert(strstr(verify(webp, sizeof WEBP_1X1, NULL), "past the end") != NULL);
    webp[16] = 0x0c;
    cr_assert_null(verify(webp, sizeof WEBP_1X1, NULL));
}

Test(imagecheck, refuses_an_extended_webp_without_image_data)
{
    unsigned char webp[30] = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8',
                              'X', 10,  0,   0,   0,  0, 0, 0, 0,   0,   0,   0,   0,   0,   0};
    const char *reason = verify(webp, sizeof webp, "image/webp");
    cr_assert(reason != NULL && strstr(reason, "no image data") != NULL, "%s", reason);
}

// Rewrites the size in the IHDR of a PNG made by make_png (and its CRC).
static void set_png_size(unsigned char *png, uint32_t width, uint32_t height)
{
    put_be32(png + 16, width);
    put_be32(png + 20, height);
    put_be32(png + 29, test_crc32(png + 12, 17));
}

static bool refused_for_pixels(const char *reason)
{
    return reason != NULL && strstr(reason, "50 megapixels") != NULL;
}

// A 1.5 MB file may declare 20000 x 20000 pixels; a browser showing it would
// allocate 1.6 GB. The cap is on the declared size, at exactly 50 million.
Test(imagecheck, refuses_a_png_declaring_more_than_50_megapixels)
{
    unsigned char png[128];
    size_t len = make_png(png, 1, 8, 0, true);
    set_png_size(png, 20000, 20000);
    const char *reason = verify(png, len, "image/png");
    cr_assert(refused_for_pixels(reason), "%s", reason ? reason : "(accepted)");
    set_png_size(png, 10000, 5001);
    cr_assert(refused_for_pixels(verify(png, len, NULL)));
    set_png_size(png, 0x7fffffffu, 0x7fffffffu); // no overflow in the product
    cr_assert(refused_for_pixels(verify(png, len, NULL)));
    set_png_size(png, 10000, 5000);
    cr_assert_null(verify(png, len, NULL));
}

static void set_jpeg_size(unsigned char *jpeg, unsigned width, unsigned height)
{
    cr_assert_eq(jpeg[JPEG_SOF_AT + 1], 0xc0);
    jpeg[JPEG_SOF_AT + 5] = (unsigned char)(height >> 8);
    jpeg[JPEG_SOF_AT + 6] = (unsigned char)height;
    jpeg[JPEG_SOF_AT + 7] = (unsigned char)(width >> 8);
    jpeg[JPEG_SOF_AT + 8] = (unsigned char)width;
}

Test(imagecheck, refuses_a_jpeg_declaring_more_than_50_megapixels)
{
    unsigned char jpeg[sizeof JPEG_8X8];
    memcpy(jpeg, JPEG_8X8, sizeof jpeg);
    set_jpeg_size(jpeg, 20000, 20000);
    const char *reason = verify(jpeg, sizeof jpeg, "image/jpeg");
    cr_assert(refused_for_pixels(reason), "%s", reason ? reason : "(accepted)");
    set_jpeg_size(jpeg, 65535, 65535);
    cr_assert(refused_for_pixels(verify(jpeg, sizeof jpeg, NULL)));
    set_jpeg_size(jpeg, 10000, 5001);
    cr_assert(refused_for_pixels(verify(jpeg, sizeof jpeg, NULL)));
    set_jpeg_size(jpeg, 10000, 5000);
    cr_assert_null(verify(jpeg, sizeof jpeg, NULL));
    // A height left to a DNL marker is unknown, so refused.
    set_jpeg_size(jpeg, 8, 0);
    reason = verify(jpeg, sizeof jpeg, NULL);
    cr_assert(reason != NULL && strstr(reason, "height") != NULL, "%s",
              reason ? reason : "(accepted)");
}

Test(imagecheck, refuses_a_lossless_webp_declaring_more_than_50_megapixels)
{
    unsigned char webp[sizeof WEBP_1X1];
    memcpy(webp, WEBP_1X1, sizeof webp);
    // VP8L after its signature byte (offset 20): width - 1 and height - 1, 14 bits
    // each, then the alpha bit and the version (kept from the original).
    uint32_t bits = 16383u | 16383u << 14 | (uint32_t)(WEBP_1X1[24] & 0xf0) << 24;
    for (int i = 0; i < 4; i++)
        webp[21 + i] = (unsigned char)(bits >> (8 * i));
    const char *reason = verify(webp, sizeof webp, "image/webp");
    cr_assert(refused_for_pixels(reason), "%s", reason ? reason : "(accepted)");
    bits = 6999u | 6999u << 14 | (uint32_t)(WEBP_1X1[24] & 0xf0) << 24; // 7000 x 7000: 49 million
    for (int i = 0; i < 4; i++)
        webp[21 + i] = (unsigned char)(bits >> (8 * i));
    cr_assert_null(verify(webp, sizeof webp, NULL));
}

// A lossy WebP: RIFF, WEBP and one VP8 chunk of 10 bytes (frame tag, start code,
// 14-bit width and height); the walk never decodes the frame.
static void make_vp8_webp(unsigned char out[30], unsigned width, unsigned height)
{
    static const unsigned char HEAD[] = {'R', 'I', 'F', 'F', 22,  0,    0,    0,   'W',
                                         'E', 'B', 'P', 'V', 'P', '8',  ' ',  10,  0,
                                         0,   0,   0,   0,   0,   0x9d, 0x01, 0x2a};
    memcpy(out, HEAD, sizeof HEAD);
    out[26] = (unsigned char)width;
    out[27] = (unsigned char)(width >> 8);
    out[28] = (unsigned char)height;
    out[29] = (unsigned char)(height >> 8);
}

Test(imagecheck, refuses_a_lossy_webp_declaring_more_than_50_megapixels)
{
    unsigned char webp[30];
    make_vp8_webp(webp, 8000, 8000);
    const char *reason = verify(webp, sizeof webp, "image/webp");
    cr_assert(refused_for_pixels(reason), "%s", reason ? reason : "(accepted)");
    make_vp8_webp(webp, 7000, 7000);
    cr_assert_null(verify(webp, sizeof webp, NULL));
}

// Sets the canvas of the VP8X chunk at offset 12: width - 1 and height - 1 in 24 bits.
static void set_webp_canvas(unsigned char *webp, uint32_t width, uint32_t height)
{
    for (int i = 0; i < 3; i++) {
        webp[24 + i] = (unsigned char)((width - 1) >> (8 * i));
        webp[27 + i] = (unsigned char)((height - 1) >> (8 * i));
    }
}

// An extended WebP: its VP8X canvas counts, and so does each frame after it.
Test(imagecheck, refuses_an_extended_webp_declaring_more_than_50_megapixels)
{
    unsigned char webp[30 + sizeof WEBP_1X1 - 12];
    static const unsigned char VP8X[] = {'R', 'I', 'F', 'F', sizeof webp - 8,
                                         0,   0,   0,   'W', 'E',
                                         'B', 'P', 'V', 'P', '8',
                                         'X', 10,  0,   0,   0,
                                         0,   0,   0,   0};
    memcpy(webp, VP8X, sizeof VP8X);
    memcpy(webp + 30, WEBP_1X1 + 12, sizeof WEBP_1X1 - 12); // the 1x1 VP8L chunk
    set_webp_canvas(webp, 20000, 20000);
    const char *reason = verify(webp, sizeof webp, NULL);
    cr_assert(refused_for_pixels(reason), "%s", reason ? reason : "(accepted)");
    set_webp_canvas(webp, 1, 1);
    reason = verify(webp, sizeof webp, NULL);
    cr_assert_null(reason, "%s", reason);
    // A small canvas with a huge frame inside is refused for the frame.
    uint32_t bits = 16383u | 16383u << 14 | (uint32_t)(WEBP_1X1[24] & 0xf0) << 24;
    for (int i = 0; i < 4; i++)
        webp[30 + 9 + i] = (unsigned char)(bits >> (8 * i));
    cr_assert(refused_for_pixels(verify(webp, sizeof webp, NULL)));
}
