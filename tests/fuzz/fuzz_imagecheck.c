// SPDX-License-Identifier: MIT
// Fuzzes the photo checks. An accepted image has the type its magic bytes say
// and the declared Content-Type names, starts and ends as its format requires
// (JPEG FF D8 .. FF D9, PNG signature .. IEND chunk, WebP RIFF size = length - 8),
// and is refused once cut by a byte or padded by one. A refusal always gives a
// sentence. So that mutations get past the checksums, the input may ask for its
// PNG chunk CRCs and its RIFF size to be repaired before the check.
// Input: byte 0: bits 0-2 the declared Content-Type (none, the three types in odd
// spellings, a wrong one), bit 3 repair CRCs, bit 4 repair the RIFF size; then
// the file.
#include "fuzz.h"
#include "imagecheck.h"

#include <string.h>

static const char *const DECLARED[] = {
    NULL, "image/jpeg", "Image/PNG; q=1", " image/webp ", "image/jpg", "text/plain", "", "image/png",
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

// Bitwise CRC-32, independent of the module's table.
static uint32_t crc32(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

// Rewrites the CRC of every whole chunk after the PNG signature.
static void repair_png_crcs(unsigned char *d, size_t len)
{
    for (size_t pos = 8; len - pos >= 12;) {
        uint32_t length = be32(d + pos);
        if (length > len - pos - 12)
            return;
        put_be32(d + pos + 8 + length, crc32(d + pos + 4, (size_t)length + 4));
        pos += (size_t)length + 12;
    }
}

static void check_accepted(const unsigned char *d, size_t len, const char *declared,
                           const struct imagecheck_result *result)
{
    FUZZ_CHECK(result->type != IMAGECHECK_UNKNOWN, "accepted without a type");
    FUZZ_CHECK(result->type == imagecheck_sniff(d, len), "type %d, sniffed %d", (int)result->type,
               (int)imagecheck_sniff(d, len));
    FUZZ_CHECK(result->mime != NULL && strcmp(result->mime, imagecheck_mime(result->type)) == 0,
               "mime %s for type %d", result->mime, (int)result->type);
    if (declared != NULL)
        FUZZ_CHECK(imagecheck_type_from_content_type(declared) == result->type,
                   "declared '%s' but a %s was accepted", declared, result->mime);
    switch (result->type) {
    case IMAGECHECK_JPEG:
        FUZZ_CHECK(len >= 6 && d[len - 2] == 0xff && d[len - 1] == 0xd9, "a JPEG without EOI");
        break;
    case IMAGECHECK_PNG:
        FUZZ_CHECK(len >= 8 + 25 + 12 && memcmp(d + len - 12, "\0\0\0\0IEND", 8) == 0,
                   "a PNG not ending with IEND");
        FUZZ_CHECK(memcmp(d + 12, "IHDR", 4) == 0, "a PNG not starting with IHDR");
        break;
    case IMAGECHECK_WEBP:
        FUZZ_CHECK((uint64_t)(d[4] | d[5] << 8 | d[6] << 16 | (uint32_t)d[7] << 24) + 8 == len,
                   "a WebP whose RIFF size is not its length");
        break;
    default:
        break;
    }
    // Cut by one byte, or padded by one: refused.
    struct imagecheck_result other;
    FUZZ_CHECK(imagecheck_verify(d, len - 1, NULL, &other) != NULL, "a %s cut by a byte passed",
               result->mime);
    unsigned char *padded = malloc(len + 1);
    memcpy(padded, d, len);
    padded[len] = 0;
    FUZZ_CHECK(imagecheck_verify(padded, len + 1, NULL, &other) != NULL,
               "a %s padded by a byte passed", result->mime);
    free(padded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    const char *declared = DECLARED[mode & 7];
    // An exact-size copy, so ASan sees any read past the end.
    size_t len = in.size;
    unsigned char *d = malloc(len ? len : 1);
    if (len > 0)
        memcpy(d, in.data, len);
    if ((mode & 8) && imagecheck_sniff(d, len) == IMAGECHECK_PNG)
        repair_png_crcs(d, len);
    if ((mode & 16) && imagecheck_sniff(d, len) == IMAGECHECK_WEBP)
        for (int i = 0; i < 4; i++)
            d[4 + i] = (unsigned char)((len - 8) >> (8 * i));
    struct imagecheck_result result;
    memset(&result, 0x5a, sizeof result);
    const char *reason = imagecheck_verify(len ? d : NULL, len, declared, &result);
    FUZZ_CHECK(reason == result.reason, "the reason returned is not the one filled in");
    FUZZ_CHECK(result.mime == imagecheck_mime(result.type), "mime and type disagree");
    if (reason != NULL)
        FUZZ_CHECK(strlen(reason) > 10, "a refusal without a sentence");
    else
        check_accepted(d, len, declared, &result);
    free(d);
    return 0;
}
