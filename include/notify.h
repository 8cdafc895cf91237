// SPDX-License-Identifier: MIT
// Notifications' rules, with no I/O: the SMS and e-mail texts of the case
// events a citizen or a department hears of, rendered from templates (zh and
// en, defaults in code, each replaceable) with placeholders such as
// {case_no} and {link}; and the process-wide notification settings (the SMS
// gateway, the public address the links start with, SMTP), set once at start
// before any thread reads them.
#ifndef CHENGGUAN_NOTIFY_H
#define CHENGGUAN_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

// The texts, by the event that causes them.
enum notify_template {
    NOTIFY_FILED,     // a citizen's case was filed
    NOTIFY_CLOSED,    // ... closed (the link lets them rate it)
    NOTIFY_REOPENED,  // ... reopened
    NOTIFY_REMIND,    // a department's reminder (催办, the stage turned yellow)
    NOTIFY_SUPERVISE, // a department's supervision notice (督办, past the deadline)
    NOTIFY_TEMPLATE_COUNT
};
enum notify_lang { NOTIFY_ZH, NOTIFY_EN, NOTIFY_LANG_COUNT };

// A rendered SMS or e-mail body is at most this many bytes (longer is cut at a
// UTF-8 character boundary).
#define NOTIFY_TEXT_MAX 600

// The name of a template ("filed", "closed", "reopened", "remind",
// "supervise"); the enum value of a name, or -1.
const char *notify_template_name(enum notify_template t);
int notify_template_find(const char *name);
// "zh" or "en"; the enum value of a name, or -1.
const char *notify_lang_name(enum notify_lang lang);
int notify_lang_find(const char *name);

// The values placeholders take; NULL renders as "".
struct notify_vars {
    const char *case_no;  // {case_no}
    const char *link;     // {link}: the case's tracking and rating page
    const char *stop;     // {stop}: the page that stops SMS to the phone
    const char *unit;     // {unit}: the department's name
    const char *stage;    // {stage}: the stage that is late
    const char *deadline; // {deadline}: the stage's deadline, as text
};

// Renders template into out (size bytes, at most NOTIFY_TEXT_MAX + 1 are
// used): "{name}" becomes the variable's value with control characters as
// spaces, "{{" and "}}" become "{" and "}". Returns the length written, or -1
// when the template names an unknown placeholder or leaves a brace open (out
// holds ""). *truncated (when non-NULL) tells whether the text was cut.
int notify_render(const char *template_text, const struct notify_vars *vars, char *out, size_t size,
                  bool *truncated);

// True when template_text renders (only known placeholders, braces closed).
bool notify_template_valid(const char *template_text);

// A stage's name as a notice shows it in lang ("handle": 处置 or "handling");
// an unknown name as it is.
const char *notify_stage_label(enum notify_lang lang, const char *stage);

// A phone number as opt-outs and messages key it: its digits and a leading
// '+', without spaces or dashes, into out (size bytes). Returns false when
// fewer than 5 digits remain or it does not fit.
bool notify_phone_normal(const char *phone, char *out, size_t size);

// The process's settings. NULL strings: not configured.
struct notify_config {
    const char *sms_url;    // the SMS gateway (http or https); NULL: no SMS at all
    const char *sms_key;    // the HMAC key signing each SMS request
    const char *public_url; // what links start with, e.g. "https://city.example" ("" : relative)
    const char *smtp_url;   // smtp:// or smtps://; NULL: no e-mail
    const char *smtp_from;  // the sender address
    const char *smtp_user, *smtp_pass; // from the environment; NULL: no login
    // Replaced texts, [lang][template]; NULL: the default.
    const char *templates[NOTIFY_LANG_COUNT][NOTIFY_TEMPLATE_COUNT];
};

// Puts config in force (copied by reference: its strings must outlive the
// process's use). Call before any thread that writes messages starts.
void notify_configure(const struct notify_config *config);
// The settings in force (all NULL before notify_configure).
const struct notify_config *notify_config(void);

// The template text of t in lang: the configured one, else the default.
const char *notify_template_text(enum notify_lang lang, enum notify_template t);

// Reads replacement templates from JSON text {"zh": {"filed": "..."}, "en":
// {...}} into config->templates (the strings point into *owned, a cJSON tree
// the caller keeps). Returns 0, or -1 with why in error.
int notify_templates_parse(const char *json, struct notify_config *config, void **owned,
                           char *error, size_t error_size);

// Frees what notify_templates_parse left in *owned (NULL: nothing). The
// templates that pointed into it must no longer be in force.
void notify_templates_free(void *owned);

#endif
