// SPDX-License-Identifier: MIT
// Tables as files staff open in a spreadsheet: CSV (UTF-8 with a BOM, RFC 4180,
// formula cells defused) streamed a batch of rows at a time, and XLSX (written
// by libxlsxwriter in constant-memory mode into an anonymous file of the data
// directory, then served from it). A table is its columns and a source that
// hands over its rows in batches; the same table gives either format.
#ifndef CHENGGUAN_EXPORT_H
#define CHENGGUAN_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct request;
struct export_sink;

enum export_format {
    EXPORT_CSV,
    EXPORT_XLSX,
};

// What a column holds, which decides how a cell is written.
enum export_kind {
    EXPORT_TEXT,    // a string; in CSV one that starts with = + - @ gets a leading '
    EXPORT_INTEGER, // a whole number
    EXPORT_TIME,    // Unix epoch ms shown in China's time (UTC+8): CSV
                    // "2026-11-30 14:05:09", XLSX a real date-time cell
    EXPORT_PERCENT, // a ratio: CSV "83.3%", XLSX the number in a 0.0% cell
    EXPORT_DECIMAL, // a number: CSV rounded to 0.01, XLSX the number in a 0.00 cell
};

struct export_column {
    const char *title; // the header, UTF-8 (Chinese for the bureaus' reports)
    enum export_kind kind;
    double width; // XLSX column width in characters
};

// What a source's next() returns.
enum export_batch {
    EXPORT_MORE,   // rows were written; ask again
    EXPORT_DONE,   // the last rows (maybe none) were written
    EXPORT_FAILED, // the rows could not be read (the source logged why)
};

// A table to export. next(source, sink) writes the next batch of rows with the
// cell functions below, a bounded number each call (the memory an export takes
// is about one batch); it runs on a thread of the HTTP server or of the export
// workers, never on two at once. A CSV streams on after its handler returned,
// so the source lives in the table's own arena (export_arena), not in the
// request's: the export destroys it when it ends, whichever way it ends.
struct export_table {
    const char *file_stem;  // ASCII, e.g. "cases": the file is cases-YYYYMMDD.csv
    const char *file_date;  // ASCII, in place of today's YYYYMMDD (a period); NULL: today
    const char *sheet_name; // the XLSX worksheet's name, e.g. "案件"
    const struct export_column *columns;
    size_t column_count;
    enum export_batch (*next)(void *source, struct export_sink *sink);
    void *source;
    struct arena *arena; // from export_arena; may be NULL
};

// A new arena for an export's source (arena_create): hand it to export_reply
// in the table, which destroys it. NULL when out of memory.
struct arena *export_arena(void);

// The cells of one row, in column order, then export_row_end. A cell past the
// last column is dropped; a row with fewer cells has empty ones at its end.
void export_text(struct export_sink *sink, const char *text); // NULL or "" is empty
void export_integer(struct export_sink *sink, int64_t value);
void export_time(struct export_sink *sink, int64_t epoch_ms); // <= 0 is empty
void export_percent(struct export_sink *sink, double ratio);  // 0.833 shows as 83.3%
void export_decimal(struct export_sink *sink, double value);
void export_empty(struct export_sink *sink);
void export_row_end(struct export_sink *sink);

// Reads a format= value: "csv" or "xlsx". Returns false for anything else.
bool export_format_parse(const char *text, enum export_format *out);

// The most data rows an XLSX sheet holds (Excel's 1,048,576 rows, less the header).
#define EXPORT_XLSX_ROWS_MAX 1048575

// How many XLSX files are built at once (each on an export worker thread); more
// wait their turn.
#define EXPORT_WORKERS 2

// Starts the export workers that build XLSX files off the HTTP threads. Returns
// 0, or -1 when none could start (logged). Without them (one-request mode),
// XLSX files are built on the calling thread.
int export_workers_start(void);

// Lets the workers finish the queued exports, then joins them. Call after the
// HTTP daemon stopped. Safe when they never started.
void export_workers_stop(void);

// Replies to req with the table in the format, as an attachment named
// <file_stem>-<file_date, or today in UTC+8>.<csv|xlsx> (Content-Disposition with filename
// and filename*). The request takes the table: its arena is destroyed whatever
// happens. CSV answers 200 at once and streams one batch at a time (a source that
// fails later cuts the response short, so the client sees an incomplete chunked
// body, never a complete-looking file). XLSX is built before the answer, on an
// export worker (the connection is suspended meanwhile): 200 with the file,
// 422 when it has more rows than a sheet holds, 500 when it fails. Returns the
// status, or 0 when the request was suspended.
int export_reply(struct request *req, enum export_format format, struct export_table *table);

#endif
