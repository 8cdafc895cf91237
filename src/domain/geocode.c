// SPDX-License-Identifier: MIT
// Geocoding rules: splitting typed addresses, matching and ranking names, and
// point-to-segment distance on a local plane. See include/geocode.h.
#include "geocode.h"

#include "textseg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEOCODE_PI 3.14159265358979323846
// Metres per degree of latitude on the sphere geo_distance_m uses.
#define METRES_PER_DEGREE (GEO_EARTH_RADIUS_M * GEOCODE_PI / 180.0)

// Appends the ASCII form of the character at s (len bytes) to out when it has
// one: fullwidth U+FF01..U+FF5E become U+0021..U+007E. Returns the byte written,
// or 0 when the character stays as it is.
static char fullwidth_ascii(const unsigned char *s, size_t len)
{
    if (len != 3 || s[0] != 0xEF)
        return 0;
    unsigned code = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return code >= 0xFF01 && code <= 0xFF5E ? (char)(code - 0xFF01 + 0x21) : 0;
}

// The byte length of the UTF-8 character starting with lead (well-formed text).
static size_t char_length(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

static bool number_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

// Copies text without spaces and with fullwidth ASCII folded into out (size
// bytes). Returns the length written.
static size_t normalize(const char *text, char *out, size_t size)
{
    size_t used = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s != '\0';) {
        size_t len = char_length(*s);
        char ascii = fullwidth_ascii(s, len);
        bool space = *s == ' ' || *s == '\t' || (len == 3 && memcmp(s, "\xE3\x80\x80", 3) == 0);
        size_t need = space ? 0 : ascii ? 1 : len;
        if (used + need + 1 > size)
            break;
        if (ascii)
            out[used] = ascii;
        else if (!space)
            memcpy(out + used, s, len);
        used += need;
        s += len;
    }
    out[used] = '\0';
    return used;
}

bool geocode_parse(const char *text, struct geocode_address *out)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || !textseg_utf8_valid(text, strlen(text)))
        return false;
    char folded[GEOCODE_ROAD_MAX + GEOCODE_NUMBER_MAX + 8];
    size_t len = normalize(text, folded, sizeof folded);
    static const char HAO[] = "\xE5\x8F\xB7"; // 号
    if (len >= 3 && memcmp(folded + len - 3, HAO, 3) == 0)
        folded[len -= 3] = '\0';
    size_t start = len;
    while (start > 0 && number_char(folded[start - 1]))
        start--;
    while (start < len && !(folded[start] >= '0' && folded[start] <= '9'))
        start++; // the number starts with a digit: "A路12" keeps "A" in the road
    if (start < len && len - start <= GEOCODE_NUMBER_MAX) {
        memcpy(out->number, folded + start, len - start);
        folded[start] = '\0';
        len = start;
    }
    // Cut the road at a character boundary.
    size_t keep = 0;
    while (keep < len) {
        size_t next = keep + char_length((unsigned char)folded[keep]);
        if (next > GEOCODE_ROAD_MAX)
            break;
        keep = next;
    }
    memcpy(out->road, folded, keep);
    out->road[keep] = '\0';
    return out->road[0] != '\0' || out->number[0] != '\0';
}

// strstr with ASCII letters compared without case.
static const char *find_ascii_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < n && hay[i] != '\0') {
            char a = hay[i], b = needle[i];
            a = a >= 'A' && a <= 'Z' ? (char)(a - 'A' + 'a') : a;
            b = b >= 'A' && b <= 'Z' ? (char)(b - 'A' + 'a') : b;
            if (a != b)
                break;
            i++;
        }
        if (i == n)
            return hay;
    }
    return NULL;
}

static enum geocode_match match_one(const char *typed, const char *name, bool ignore_case)
{
    if (name == NULL || name[0] == '\0')
        return GEOCODE_NO_MATCH;
    const char *at = ignore_case ? find_ascii_nocase(name, typed) : strstr(name, typed);
    if (at == NULL)
        return GEOCODE_NO_MATCH;
    if (at != name)
        return GEOCODE_CONTAINS;
    return strlen(name) == strlen(typed) ? GEOCODE_EXACT : GEOCODE_PREFIX;
}

enum geocode_match geocode_match_name(const char *typed, const char *name, const char *name_en)
{
    if (typed == NULL || typed[0] == '\0')
        return GEOCODE_NO_MATCH;
    enum geocode_match zh = match_one(typed, name, false);
    enum geocode_match en = match_one(typed, name_en, true);
    if (zh == GEOCODE_NO_MATCH)
        return en;
    return en != GEOCODE_NO_MATCH && en < zh ? en : zh;
}

bool geocode_lookup_term(const char *road, char out[GEOCODE_TERM_MAX + 1])
{
    out[0] = '\0';
    char *seg = road ? textseg_index(road, strlen(road)) : NULL;
    if (seg == NULL)
        return false;
    // textseg_index lists a CJK run's characters first, then its pairs: a pair
    // is a token of two 3-byte characters (the CJK blocks names are written in).
    const char *pick = NULL;
    for (char *save = NULL, *token = strtok_r(seg, " ", &save); token != NULL && pick == NULL;
         token = strtok_r(NULL, " ", &save))
        if (strlen(token) == 6 && (unsigned char)token[0] >= 0xE0)
            pick = token;
    if (pick == NULL)
        pick = seg; // strtok_r ended the first token in place
    if (strlen(pick) <= GEOCODE_TERM_MAX)
        memcpy(out, pick, strlen(pick) + 1);
    free(seg);
    return out[0] != '\0';
}

int geocode_rank(enum geocode_kind kind, enum geocode_match match, size_t name_len)
{
    if (name_len > 999)
        name_len = 999;
    return (int)kind * 10000 + (int)match * 1000 + (int)name_len;
}

double geocode_segment_distance_m(struct geo_point p, struct geo_point a, struct geo_point b,
                                  struct geo_point *nearest)
{
    // Metres east and north of p.
    double kx = METRES_PER_DEGREE * cos(p.lat * GEOCODE_PI / 180.0), ky = METRES_PER_DEGREE;
    double ax = (a.lon - p.lon) * kx, ay = (a.lat - p.lat) * ky;
    double bx = (b.lon - p.lon) * kx, by = (b.lat - p.lat) * ky;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double x = ax + t * dx, y = ay + t * dy;
    if (nearest != NULL)
        *nearest = (struct geo_point){a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)};
    return sqrt(x * x + y * y);
}

double geocode_polyline_distance_m(struct geo_point p, const struct geo_point *pts, size_t n,
                                   struct geo_point *nearest)
{
    double best = INFINITY;
    for (size_t i = 1; i < n; i++) {
        struct geo_point at;
        double d = geocode_segment_distance_m(p, pts[i - 1], pts[i], &at);
        if (d < best) {
            best = d;
            if (nearest != NULL)
                *nearest = at;
        }
    }
    return best;
}

void geocode_degrees_for(double lat, double metres, double *dlat, double *dlon)
{
    double c = cos(lat * GEOCODE_PI / 180.0);
    *dlat = metres / METRES_PER_DEGREE;
    *dlon = metres / (METRES_PER_DEGREE * (c > 0.01 ? c : 0.01));
}
