// SPDX-License-Identifier: MIT
// The PostgreSQL engine's pure helpers (no server, no libpq): which locations
// are PostgreSQL's, a location with its password hidden, the rewrite of
// SQLite-style ":name" parameters into $1..$n, and the SQLSTATE to store
// result mapping.
#include "pg_stmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pg_location_is_postgres(const char *location)
{
    static const char *const PREFIXES[] = {"postgres://", "postgresql://", "host=", "dbname="};
    if (location == NULL)
        return false;
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++)
        if (strncmp(location, PREFIXES[i], strlen(PREFIXES[i])) == 0)
            return true;
    return false;
}

// Appends n bytes of s to out (size bytes, *used so far), truncating.
static void append(char *out, size_t size, size_t *used, const char *s, size_t n)
{
    if (*used + 1 >= size)
        return;
    if (n > size - 1 - *used)
        n = size - 1 - *used;
    memcpy(out + *used, s, n);
    *used += n;
    out[*used] = '\0';
}

// The length of the value that starts at s in a key=value string: up to the
// next space, or a single-quoted value with its backslash escapes.
static size_t keyword_value_length(const char *s)
{
    size_t n = 0;
    if (s[0] != '\'')
        return strcspn(s, " \t\n");
    for (n = 1; s[n] != '\0' && s[n] != '\''; n++)
        if (s[n] == '\\' && s[n + 1] != '\0')
            n++;
    return s[n] == '\'' ? n + 1 : n;
}

// Copies s into out replacing the value of every "password=" (a URL query
// parameter when url is set, else a keyword) with "***".
static void redact_password_values(const char *s, bool url, char *out, size_t size, size_t *used)
{
    static const char KEY[] = "password=";
    for (;;) {
        const char *at = strstr(s, KEY);
        if (at == NULL) {
            append(out, size, used, s, strlen(s));
            return;
        }
        at += strlen(KEY);
        append(out, size, used, s, (size_t)(at - s));
        append(out, size, used, "***", 3);
        s = at + (url ? strcspn(at, "&") : keyword_value_length(at));
    }
}

void pg_location_redact(const char *location, char *out, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    if (location == NULL)
        return;
    const char *scheme_end = strstr(location, "://");
    bool url = scheme_end != NULL && pg_location_is_postgres(location);
    if (url) {
        // postgres://user:password@host...: the password ends at the last '@'
        // of the authority (a password may itself hold '@' when not encoded).
        const char *authority = scheme_end + 3;
        size_t authority_len = strcspn(authority, "/?");
        const char *at = NULL;
        for (const char *p = authority; p < authority + authority_len; p++)
            if (*p == '@')
                at = p;
        const char *colon = at ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
        if (colon != NULL) {
            append(out, size, &used, location, (size_t)(colon + 1 - location));
            append(out, size, &used, "***", 3);
            location = at;
        }
    }
    redact_password_values(location, url, out, size, &used);
}

// ---- parameters ----

struct rewrite {
    char *out;
    size_t len, cap;
    bool failed;
    struct pg_params *params;
};

static void put(struct rewrite *w, const char *s, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *grown = realloc(w->out, cap);
        if (grown == NULL) {
            w->failed = true;
            return;
        }
        w->out = grown;
        w->cap = cap;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = '\0';
}

// The number ($n) of the parameter name (n bytes at s, ':' included), adding
// it to the list when new; 0 when memory runs out.
static size_t param_number(struct pg_params *params, const char *s, size_t n)
{
    for (size_t i = 0; i < params->count; i++)
        if (strlen(params->names[i]) == n && memcmp(params->names[i], s, n) == 0)
            return i + 1;
    char **grown = realloc(params->names, (params->count + 1) * sizeof *grown);
    if (grown == NULL)
        return 0;
    params->names = grown;
    char *name = malloc(n + 1);
    if (name == NULL)
        return 0;
    memcpy(name, s, n);
    name[n] = '\0';
    params->names[params->count++] = name;
    return params->count;
}

static bool is_name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

// The length of the quoted run at s (quote character q, doubled to escape it;
// a backslash escapes too when backslashes is set), up to the end of sql
// when unterminated.
static size_t quoted_length(const char *s, char q, bool backslashes)
{
    size_t n = 1;
    for (;;) {
        if (s[n] == '\0')
            return n;
        if (backslashes && s[n] == '\\' && s[n + 1] != '\0') {
            n += 2;
        } else if (s[n] == q && s[n + 1] == q) {
            n += 2;
        } else if (s[n] == q) {
            return n + 1;
        } else {
            n++;
        }
    }
}

// The length of a /* */ comment at s (PostgreSQL nests them).
static size_t block_comment_length(const char *s)
{
    size_t n = 2;
    int depth = 1;
    while (s[n] != '\0' && depth > 0) {
        if (s[n] == '/' && s[n + 1] == '*') {
            depth++;
            n += 2;
        } else if (s[n] == '*' && s[n + 1] == '/') {
            depth--;
            n += 2;
        } else {
            n++;
        }
    }
    return n;
}

// The length of a dollar-quoted body at s ($$...$$ or $tag$...$tag$), or 0
// when s does not open one ($1 is a parameter, not a quote).
static size_t dollar_quoted_length(const char *s)
{
    size_t tag = 1;
    while (is_name_char(s[tag]) && !isdigit((unsigned char)s[1]))
        tag++;
    if (s[tag] != '$')
        return 0;
    tag++;
    for (const char *p = s + tag; (p = strchr(p, '$')) != NULL; p++)
        if (strncmp(p, s, tag) == 0)
            return (size_t)(p - s) + tag;
    return strlen(s);
}

// The length of the piece at s that passes through unchanged (a literal, an
// identifier, a comment, a cast, a word), at least 1.
static size_t verbatim_length(const char *sql, const char *s)
{
    bool escape_string = (s[0] == '\'') && s > sql && (s[-1] == 'E' || s[-1] == 'e') &&
                         (s - 1 == sql || !is_name_char(s[-2]));
    size_t n;
    if (s[0] == '\'' || s[0] == '"')
        return quoted_length(s, s[0], escape_string);
    if (s[0] == '-' && s[1] == '-')
        return strcspn(s, "\n");
    if (s[0] == '/' && s[1] == '*')
        return block_comment_length(s);
    if (s[0] == '$' && (n = dollar_quoted_length(s)) > 0)
        return n;
    if (s[0] == ':' && s[1] == ':')
        return 2;
    if (is_name_char(s[0])) { // a word, in one piece
        n = 1;
        while (is_name_char(s[n]))
            n++;
        return n;
    }
    return 1;
}

char *pg_sql_rewrite(const char *sql, struct pg_params *params)
{
    struct rewrite w = {.params = params};
    *params = (struct pg_params){0};
    for (const char *s = sql; *s != '\0';) {
        if (s[0] == ':' && s[1] != ':' && is_name_start(s[1])) {
            size_t n = 2;
            while (is_name_char(s[n]))
                n++;
            size_t number = param_number(params, s, n);
            char text[24];
            int len = snprintf(text, sizeof text, "$%zu", number);
            w.failed |= number == 0;
            put(&w, text, (size_t)len);
            s += n;
            continue;
        }
        size_t n = verbatim_length(sql, s);
        put(&w, s, n);
        s += n;
    }
    put(&w, "", 0);
    if (w.failed) {
        free(w.out);
        pg_params_free(params);
        return NULL;
    }
    return w.out;
}

void pg_params_free(struct pg_params *params)
{
    for (size_t i = 0; i < params->count; i++)
        free(params->names[i]);
    free(params->names);
    *params = (struct pg_params){0};
}

// ---- errors ----

int pg_sqlstate_result(const char *sqlstate)
{
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return STORE_ERROR;
    if (strncmp(sqlstate, "23", 2) == 0 || strcmp(sqlstate, "P0001") == 0)
        return STORE_CONFLICT;
    if (strncmp(sqlstate, "53", 2) == 0)
        return STORE_FULL;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0)
        return PG_RETRY;
    return STORE_ERROR;
}

bool pg_sqlstate_connection_lost(const char *sqlstate)
{
    return sqlstate == NULL || strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
           strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0;
}
