// SPDX-License-Identifier: MIT
// The pure rules of the Open311 GeoReport v2 interface: W3C date-times read
// and written with an offset, a case's state as the specification's open or
// closed, the status filter, and a resource name split from its format suffix
// (".json", ".xml"). No I/O, no allocation; safe from any thread.
#ifndef CHENGGUAN_OPEN311_H
#define CHENGGUAN_OPEN311_H

#include "casefsm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Bytes of a formatted date-time and its NUL: "2026-11-30T08:15:30+08:00".
#define OPEN311_DATETIME_SIZE 26

enum open311_format { OPEN311_XML, OPEN311_JSON };

// Status filter bits (open311_status_parse).
enum { OPEN311_STATUS_OPEN = 1, OPEN311_STATUS_CLOSED = 2 };

// Reads a W3C date-time (the ISO 8601 subset of the W3C note) into ms since
// the epoch: "YYYY-MM-DD", or that with "Thh:mm", "Thh:mm:ss" or
// "Thh:mm:ss.fraction" (up to 9 digits, cut to the millisecond), then "Z" or an
// offset "+hh:mm" / "-hh:mm". A space may stand for the "T", and a space for
// the "+" of an offset (a "+" a client left unescaped in a query string
// arrives as a space). Without an offset the time is local at
// default_offset_minutes east of UTC; a bare date is its local midnight.
// Returns false for anything else, a field out of range (month 13, Feb 30,
// hour 24, offset past 14:00) or a year outside 1970..9999.
bool open311_datetime_parse(const char *text, int default_offset_minutes, int64_t *ms);

// Writes ms as "YYYY-MM-DDThh:mm:ss+hh:mm" at offset_minutes east of UTC
// ("Z" is never written, so every answer names its offset the same way).
void open311_datetime_format(int64_t ms, int offset_minutes, char out[OPEN311_DATETIME_SIZE]);

// The specification's status of a case in state: "open" while it is open
// (casefsm_state_is_open), else "closed" (closed, rejected, merged).
const char *open311_status(enum casefsm_state state);

// Reads a status filter: "open", "closed" or both comma-separated (in any
// order, case-sensitive). Returns the OPEN311_STATUS_ bits, or 0 when text is
// anything else.
int open311_status_parse(const char *text);

// Splits a path segment into its resource name and format: "services.json" ->
// "services", JSON; "0101.xml" -> "0101", XML; without a suffix the name is
// the whole segment and the format XML (the specification's required one).
// Writes the name to base (size bytes). Returns false when the segment is
// empty, its name empty, another suffix follows a dot (".csv"), or the name
// does not fit.
bool open311_split_format(const char *segment, char *base, size_t size,
                          enum open311_format *format);

#endif
