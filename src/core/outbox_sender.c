// SPDX-License-Identifier: MIT
// The outbox's delivery threads: claim due messages under a lease, send each
// through the sender of its kind (a signed HTTP POST with libcurl for a hotline
// callback), settle it in the store (delivered after a 2xx; else the next
// attempt after an exponential, jittered delay; dead after the last), and wait
// on a condition variable on the monotonic clock when nothing is due.
#include "outbox_sender.h"

#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "outbox.h"
#include "store.h"
#include "store_notify.h"
#include "store_outbox.h"
#include "version.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SENDER_THREADS_MAX = 16, CLAIM_BATCH = 4 };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t threads[SENDER_THREADS_MAX];
    int thread_count;
    bool running, stopping, woken;
    atomic_bool abort_transfers;
    struct store *store;
    struct outbox_sender_options options;
} sender = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

void outbox_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                 char out[65])
{
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

void outbox_secret_new(char out[65])
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    sodium_bin2hex(out, 65, bytes, sizeof bytes);
    sodium_memzero(bytes, sizeof bytes);
}

// ---- one HTTP attempt ----

static size_t discard_body(char *data, size_t size, size_t count, void *unused)
{
    (void)data;
    (void)unused;
    return size * count;
}

// Ends a transfer under way when the server stops.
static int transfer_progress(void *unused, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)unused, (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&sender.abort_transfers) ? 1 : 0;
}

// POSTs the message's payload to url, signed with secret. Returns true on a
// 2xx; else writes why to error.
static bool post_signed(const struct store_outbox_message *m, const char *url, const char *secret,
                        char *error, size_t error_size)
{
    if (!outbox_url_valid(url, STORE_OUTBOX_URL_MAX)) {
        snprintf(error, error_size, "the callback URL is not an http or https URL");
        return false;
    }
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "out of memory");
        return false;
    }
    char timestamp[24], signature[65], header[160];
    snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
    size_t body_len = strlen(m->payload);
    outbox_sign(secret, timestamp, m->payload, body_len, signature);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(header, sizeof header, "X-Chengguan-Timestamp: %s", timestamp);
    headers = curl_slist_append(headers, header);
    snprintf(header, sizeof header, "X-Chengguan-Signature: %s", signature);
    headers = curl_slist_append(headers, header);
    snprintf(header, sizeof header, "Idempotency-Key: %s", m->idempotency_key);
    headers = curl_slist_append(headers, header);
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)sender.options.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)sender.options.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "chengguan/" CHENGGUAN_VERSION);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, m->payload);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, transfer_progress);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "%s", curl_easy_strerror(rc));
        return false;
    }
    if (status < 200 || status > 299) {
        snprintf(error, error_size, "the receiver answered HTTP %ld", status);
        return false;
    }
    return true;
}

// ---- the senders, one per kind ----

// A hotline platform's callback: the URL and secret of the token that filed the
// case (read at each attempt, so a corrected URL applies to what is pending).
static bool send_hotline(const struct store_outbox_message *m, char *error, size_t error_size)
{
    struct store_outbox_callback callback;
    int64_t token_id = strtoll(m->target, NULL, 10);
    int rc = store_token_callback_get(sender.store, token_id, &callback);
    if (rc != STORE_OK) {
        snprintf(error, error_size,
                 rc == STORE_NOT_FOUND ? "the token is disabled or has no callback URL"
                                       : "cannot read the token's callback");
        return false;
    }
    bool ok = post_signed(m, callback.url, callback.secret, error, error_size);
    sodium_memzero(callback.secret, sizeof callback.secret);
    return ok;
}

// An SMS: the payload, as written, to the gateway, signed with its key.
static bool send_sms(const struct store_outbox_message *m, char *error, size_t error_size)
{
    const struct notify_config *config = notify_config();
    if (config->sms_url == NULL) {
        snprintf(error, error_size, "no SMS gateway is configured (--sms-url)");
        return false;
    }
    return post_signed(m, config->sms_url, config->sms_key ? config->sms_key : "", error,
                       error_size);
}

// A department's notice: to the webhook the unit has now, signed with its secret.
static bool send_webhook(const struct store_outbox_message *m, char *error, size_t error_size)
{
    struct store_unit_notify unit;
    int rc = store_unit_notify_get(sender.store, strtoll(m->target, NULL, 10), &unit);
    if (rc != STORE_OK || unit.webhook_url[0] == '\0') {
        snprintf(error, error_size,
                 rc == STORE_ERROR ? "cannot read the unit's webhook"
                                   : "the unit has no webhook any more");
        return false;
    }
    bool ok = post_signed(m, unit.webhook_url, unit.webhook_secret, error, error_size);
    sodium_memzero(unit.webhook_secret, sizeof unit.webhook_secret);
    return ok;
}

// ---- e-mail ----

struct mail_reader {
    const char *text;
    size_t left;
};

static size_t read_mail(char *buffer, size_t size, size_t count, void *data)
{
    struct mail_reader *r = data;
    size_t n = size * count < r->left ? size * count : r->left;
    memcpy(buffer, r->text, n);
    r->text += n;
    r->left -= n;
    return n;
}

// The message text of an e-mail: headers (the subject in RFC 2047 base64), a
// blank line, the UTF-8 body in base64 lines. NULL when out of memory.
static char *mail_text(const char *from, const char *to, const char *subject, const char *body,
                       const char *key)
{
    size_t subject_len = strlen(subject), body_len = strlen(body);
    size_t subject_b64 = sodium_base64_encoded_len(subject_len, sodium_base64_VARIANT_ORIGINAL);
    size_t body_b64 = sodium_base64_encoded_len(body_len, sodium_base64_VARIANT_ORIGINAL);
    size_t size = 1024 + strlen(from) + strlen(to) + subject_b64 + body_b64 * 2;
    char *out = malloc(size), *encoded_subject = malloc(subject_b64), *encoded = malloc(body_b64);
    if (out == NULL || encoded_subject == NULL || encoded == NULL) {
        free(out), free(encoded_subject), free(encoded);
        return NULL;
    }
    sodium_bin2base64(encoded_subject, subject_b64, (const unsigned char *)subject, subject_len,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(encoded, body_b64, (const unsigned char *)body, body_len,
                      sodium_base64_VARIANT_ORIGINAL);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    int n = snprintf(out, size,
                     "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: =?UTF-8?B?%s?=\r\n"
                     "Message-ID: <%s@chengguan>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n",
                     date, from, to, encoded_subject, key);
    for (size_t i = 0, len = strlen(encoded); n > 0 && i < len; i += 76)
        n += snprintf(out + n, size - (size_t)n, "%.76s\r\n", encoded + i);
    free(encoded_subject);
    free(encoded);
    return out;
}

// A department's notice by e-mail through the SMTP server (libcurl smtp/smtps).
static bool send_email(const struct store_outbox_message *m, char *error, size_t error_size)
{
    const struct notify_config *config = notify_config();
    if (config->smtp_url == NULL || config->smtp_from == NULL) {
        snprintf(error, error_size, "no SMTP server is configured (--smtp-url, --smtp-from)");
        return false;
    }
    cJSON *payload = cJSON_Parse(m->payload);
    const char *to = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload, "to"));
    const char *subject =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload, "subject"));
    const char *body = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(payload, "text"));
    char *text = to && subject && body
                     ? mail_text(config->smtp_from, to, subject, body, m->idempotency_key)
                     : NULL;
    CURL *curl = text != NULL ? curl_easy_init() : NULL;
    if (curl == NULL) {
        snprintf(error, error_size, text ? "out of memory" : "the e-mail message is malformed");
        free(text);
        cJSON_Delete(payload);
        return false;
    }
    char from[STORE_NOTIFY_EMAIL_MAX + 3], rcpt[STORE_NOTIFY_EMAIL_MAX + 3];
    snprintf(from, sizeof from, "<%s>", config->smtp_from);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *recipients = curl_slist_append(NULL, rcpt);
    struct mail_reader reader = {text, strlen(text)};
    curl_easy_setopt(curl, CURLOPT_URL, config->smtp_url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    if (config->smtp_user != NULL) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, config->smtp_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, config->smtp_pass ? config->smtp_pass : "");
    }
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_mail);
    curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)sender.options.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)sender.options.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, transfer_progress);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    free(text);
    cJSON_Delete(payload);
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "SMTP: %s", curl_easy_strerror(rc));
        return false;
    }
    return true;
}

static const struct {
    const char *kind;
    bool (*send)(const struct store_outbox_message *m, char *error, size_t error_size);
} SENDERS[] = {
    {"hotline", send_hotline},
    {"sms", send_sms},
    {"webhook", send_webhook},
    {"email", send_email},
};

// Sends one claimed message and settles it in the store.
static void deliver(struct store_outbox_message *m)
{
    char error[STORE_OUTBOX_ERROR_MAX + 1];
    snprintf(error, sizeof error, "no sender for kind %s yet", m->kind);
    bool ok = false;
    int64_t began = monotonic_us();
    for (size_t i = 0; i < sizeof SENDERS / sizeof SENDERS[0]; i++)
        if (strcmp(m->kind, SENDERS[i].kind) == 0)
            ok = SENDERS[i].send(m, error, sizeof error);
    int64_t elapsed = monotonic_us() - began;
    int64_t now = store_now_ms();
    if (ok) {
        metrics_outbox_attempt(true, false, elapsed);
        if (store_outbox_delivered(sender.store, m->id, now) != STORE_OK)
            log_warn("outbox: message %" PRId64 " was delivered but not marked so; it will be "
                     "sent again with the same idempotency key",
                     m->id);
        return;
    }
    bool shutting_down = atomic_load(&sender.abort_transfers);
    bool dead = !shutting_down && m->attempts >= sender.options.max_attempts;
    double unit = (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
    int64_t next = shutting_down
                       ? now
                       : now + outbox_backoff_ms(m->attempts, sender.options.retry_base_ms,
                                                 sender.options.retry_max_ms, unit);
    metrics_outbox_attempt(false, dead, elapsed);
    if (dead)
        log_warn("outbox: message %" PRId64 " (%s) is a dead letter after %d attempts: %s", m->id,
                 m->idempotency_key, m->attempts, error);
    if (store_outbox_failed(sender.store, m->id, error, next, dead) != STORE_OK)
        log_warn("outbox: cannot record the failed attempt of message %" PRId64
                 "; it is due again when its lease ends",
                 m->id);
}

// ---- the threads ----

// Waits up to poll_ms for a wake-up or the stop. Returns false when stopping.
static bool wait_for_work(void)
{
    pthread_mutex_lock(&sender.lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = until.tv_nsec + (int64_t)sender.options.poll_ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    while (!sender.stopping && !sender.woken &&
           pthread_cond_timedwait(&sender.wake, &sender.lock, &until) == 0)
        ;
    sender.woken = false;
    bool go_on = !sender.stopping;
    pthread_mutex_unlock(&sender.lock);
    return go_on;
}

static bool stopping(void)
{
    pthread_mutex_lock(&sender.lock);
    bool stop = sender.stopping;
    pthread_mutex_unlock(&sender.lock);
    return stop;
}

static void *run(void *unused)
{
    (void)unused;
    // The lease outlasts an attempt, so no other sender takes a message in flight.
    int64_t lease_ms =
        (int64_t)sender.options.connect_timeout_ms + sender.options.timeout_ms + 5000;
    while (!stopping()) {
        struct store_outbox_message batch[CLAIM_BATCH];
        int count = 0;
        if (store_outbox_claim(sender.store, store_now_ms(), lease_ms, batch, CLAIM_BATCH,
                               &count) != STORE_OK)
            count = 0;
        for (int i = 0; i < count; i++) {
            deliver(&batch[i]);
            store_outbox_message_free(&batch[i]);
        }
        if (count == 0 && !wait_for_work())
            break;
    }
    return NULL;
}

int outbox_sender_start(struct store *store, const struct outbox_sender_options *options)
{
    if (options->threads < 1)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("outbox: cannot initialise libcurl");
        return -1;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sender.wake, &attr);
    pthread_condattr_destroy(&attr);
    sender.store = store;
    sender.options = *options;
    sender.stopping = false;
    atomic_store(&sender.abort_transfers, false);
    int wanted = options->threads > SENDER_THREADS_MAX ? SENDER_THREADS_MAX : options->threads;
    sender.thread_count = 0;
    for (int i = 0; i < wanted; i++)
        if (pthread_create(&sender.threads[sender.thread_count], NULL, run, NULL) == 0)
            sender.thread_count++;
    sender.running = true;
    if (sender.thread_count == 0) {
        log_error("outbox: cannot start a delivery thread");
        outbox_sender_stop();
        return -1;
    }
    log_info("outbox: %d delivery thread(s), %d attempts, retries from %d ms to %d ms",
             sender.thread_count, options->max_attempts, options->retry_base_ms,
             options->retry_max_ms);
    return 0;
}

void outbox_sender_wake(void)
{
    pthread_mutex_lock(&sender.lock);
    if (sender.running) {
        sender.woken = true;
        pthread_cond_broadcast(&sender.wake);
    }
    pthread_mutex_unlock(&sender.lock);
}

void outbox_sender_stop(void)
{
    if (!sender.running)
        return;
    pthread_mutex_lock(&sender.lock);
    sender.stopping = true;
    atomic_store(&sender.abort_transfers, true);
    pthread_cond_broadcast(&sender.wake);
    pthread_mutex_unlock(&sender.lock);
    for (int i = 0; i < sender.thread_count; i++)
        pthread_join(sender.threads[i], NULL);
    pthread_cond_destroy(&sender.wake);
    curl_global_cleanup();
    sender.running = false;
    sender.thread_count = 0;
}
