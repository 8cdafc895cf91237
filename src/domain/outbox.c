// SPDX-License-Identifier: MIT
// The outbox's rules: the events a hotline platform is told of, the backoff
// between attempts and the check of a callback URL. Pure functions.
#include "outbox.h"

#include <string.h>

const char *outbox_hotline_event(const char *action, const char *from_state, const char *to_state)
{
    static const struct {
        const char *state, *event;
    } BY_STATE[] = {
        {"accepted", "accepted"}, {"rejected", "rejected"}, {"dispatched", "dispatched"},
        {"handled", "handled"},   {"closed", "closed"},     {"merged", "merged"},
    };
    if (action == NULL || from_state == NULL || to_state == NULL)
        return NULL;
    if (strcmp(action, "reopen") == 0)
        return "reopened";
    if (strcmp(from_state, to_state) == 0 || from_state[0] == '\0')
        return NULL; // a note, or the filing (the platform knows it filed)
    for (size_t i = 0; i < sizeof BY_STATE / sizeof BY_STATE[0]; i++)
        if (strcmp(to_state, BY_STATE[i].state) == 0)
            return BY_STATE[i].event;
    return NULL;
}

int64_t outbox_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, double random_unit)
{
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    int64_t delay = base_ms;
    for (int i = 1; i < attempt && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    if (!(random_unit >= 0) || random_unit >= 1)
        random_unit = 0;
    int64_t half = delay / 2;
    return delay - half + (int64_t)((double)half * random_unit);
}

bool outbox_url_valid(const char *url, int max_length)
{
    if (url == NULL || (int)strlen(url) > max_length)
        return false;
    const char *host;
    if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '\\')
            return false;
    size_t host_len = strcspn(host, "/?#");
    if (host_len == 0 || host[0] == ':')
        return false;
    return memchr(host, '@', host_len) == NULL;
}
