// SPDX-License-Identifier: MIT
// The route tables of the api_*.c modules; server.c registers them all.
#ifndef CHENGGUAN_API_H
#define CHENGGUAN_API_H

#include "router.h"

#include <stddef.h>

extern const struct route API_META_ROUTES[];
extern const size_t API_META_ROUTE_COUNT;

#endif
