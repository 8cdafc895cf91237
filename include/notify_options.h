// SPDX-License-Identifier: MIT
// `chengguan serve`'s notification options (--sms-url, --sms-key,
// --sms-templates, --public-url, --smtp-url, --smtp-from; the SMTP login from
// the environment): checked, the templates file read, and put in force.
#ifndef CHENGGUAN_NOTIFY_OPTIONS_H
#define CHENGGUAN_NOTIFY_OPTIONS_H

#include "notify.h"

// The options as given (NULL: not given).
struct notify_options {
    const char *sms_url, *sms_key, *sms_templates, *public_url, *smtp_url, *smtp_from;
};

// Checks the options, reads the templates file, fills *config (which must live
// as long as the server) and puts it in force (notify_configure). Returns 0,
// or 2 after printing the problem to stderr.
int notify_options_apply(const struct notify_options *options, struct notify_config *config);

#endif
