// SPDX-License-Identifier: MIT
// What the geocoding API lends the intake: placing a typed address.
#ifndef CHENGGUAN_API_GEOCODE_H
#define CHENGGUAN_API_GEOCODE_H

#include "geo.h"

#include <stdbool.h>
#include <stddef.h>

struct request;

// Bytes api_geocode_place may write as a label, NUL included.
#define GEOCODE_LABEL_MAX 160

// Geocodes a typed address with the gazetteer of the request's server and answers only when it is
// sure: exactly one house number typed exactly on a road named exactly
// ("油城五路12号"), or, when no number was typed, exactly one landmark named
// exactly ("茂名市人民医院"). Then sets *point and writes the matched label
// ("油城五路12号") into label (label_size bytes) and returns true; a road
// alone, a prefix, a near miss or two answers give false.
bool api_geocode_place(struct request *req, const char *address, struct geo_point *point,
                       char *label, size_t label_size);

#endif
