// SPDX-License-Identifier: MIT
// Unit tests of the outbox's rules: which case events a hotline platform hears
// of and under what name, the backoff between attempts (doubling, capped, with
// its jitter inside [delay/2, delay]), the callback URLs accepted, and the
// signature a receiver recomputes (a value computed apart).
#include "outbox.h"
#include "outbox_sender.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

Test(outbox, hotline_events_follow_state_changes)
{
    cr_expect_str_eq(outbox_hotline_event("accept", "reported", "accepted"), "accepted");
    cr_expect_str_eq(outbox_hotline_event("confirm", "verifying", "accepted"), "accepted");
    cr_expect_str_eq(outbox_hotline_event("reject", "reported", "rejected"), "rejected");
    cr_expect_str_eq(outbox_hotline_event("dispatch", "accepted", "dispatched"), "dispatched");
    cr_expect_str_eq(outbox_hotline_event("handle", "processing", "handled"), "handled");
    cr_expect_str_eq(outbox_hotline_event("close", "checked", "closed"), "closed");
    cr_expect_str_eq(outbox_hotline_event("reopen", "closed", "processing"), "reopened");
    cr_expect_str_eq(outbox_hotline_event("merge", "reported", "merged"), "merged");
    // Internal steps, notes and the filing itself are not pushed.
    cr_expect_null(outbox_hotline_event("sign", "dispatched", "processing"));
    cr_expect_null(outbox_hotline_event("check-pass", "handled", "checked"));
    cr_expect_null(outbox_hotline_event("photo", "processing", "processing"));
    cr_expect_null(outbox_hotline_event("report", "", "reported"));
    cr_expect_null(outbox_hotline_event(NULL, "a", "b"));
}

Test(outbox, backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half)
{
    cr_expect_eq(outbox_backoff_ms(1, 1000, 60000, 0.0), 500);
    cr_expect_eq(outbox_backoff_ms(1, 1000, 60000, 0.999999), 999);
    cr_expect_eq(outbox_backoff_ms(2, 1000, 60000, 0.0), 1000);
    cr_expect_eq(outbox_backoff_ms(3, 1000, 60000, 0.0), 2000);
    cr_expect_eq(outbox_backoff_ms(7, 1000, 60000, 0.0), 30000);
    cr_expect_eq(outbox_backoff_ms(8, 1000, 60000, 0.0), 30000, "capped at 60 s");
    cr_expect_eq(outbox_backoff_ms(1000, 1000, 60000, 0.5), 45000, "no overflow");
    cr_expect_eq(outbox_backoff_ms(1, 1000, 60000, -1.0), 500, "a bad random unit counts as 0");
    for (int attempt = 1; attempt < 40; attempt++) {
        int64_t low = outbox_backoff_ms(attempt, 200, 5000, 0.0);
        int64_t high = outbox_backoff_ms(attempt, 200, 5000, 0.99);
        cr_expect(low <= high && low >= 100 && high <= 5000, "attempt %d: %lld..%lld", attempt,
                  (long long)low, (long long)high);
        if (attempt > 1)
            cr_expect(low >= outbox_backoff_ms(attempt - 1, 200, 5000, 0.0), "never shorter");
    }
}

Test(outbox, only_http_and_https_urls_with_a_host)
{
    cr_expect(outbox_url_valid("http://127.0.0.1:8080/hook", 512));
    cr_expect(outbox_url_valid("https://hotline.example.gov.cn/api/callback?x=1", 512));
    cr_expect(outbox_url_valid("http://[::1]:9000/", 512));
    static const char *const BAD[] = {
        "file:///etc/passwd",
        "gopher://x/",
        "ftp://x/",
        "javascript:alert(1)",
        "http://",
        "https:///path",
        "http://:80/",
        "http://user:pw@host/",
        "http://a b/",
        "http://a\\b/",
        "HTTP://upper.case/",
        "http://a/\n",
        "",
        "//host/",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        cr_expect(!outbox_url_valid(BAD[i], 512), "%s refused", BAD[i]);
    cr_expect(!outbox_url_valid(NULL, 512));
    cr_expect(!outbox_url_valid("http://toolong.example/", 10));
}

Test(outbox, the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex)
{
    cr_assert(sodium_init() >= 0);
    static const char SECRET[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const char BODY[] = "{\"event\":\"closed\"}";
    char sig[65];
    // The value computed apart (Python's hmac module) over "1700000000." + body,
    // keyed with the secret's text.
    outbox_sign(SECRET, "1700000000", BODY, strlen(BODY), sig);
    cr_expect_str_eq(sig, "b8aacab5a9d4ff09032de90230e328e16aa0ab350c8c3a1dfa63fd7f30b56c81");
    outbox_sign(SECRET, "1700000001", BODY, strlen(BODY), sig);
    cr_expect_str_neq(sig, "b8aacab5a9d4ff09032de90230e328e16aa0ab350c8c3a1dfa63fd7f30b56c81",
                      "the timestamp is signed");
}
