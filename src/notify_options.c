// SPDX-License-Identifier: MIT
// The notification options of `chengguan serve`, checked and put in force.
#include "notify_options.h"

#include "geojson.h"
#include "outbox.h"
#include "store_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The parsed templates file, which the templates in force point into: kept
// for the process's life.
static void *templates_tree;

// Reads and checks the templates file into config. Returns 0 or 2.
static int read_templates(const char *path, struct notify_config *config)
{
    size_t len = 0;
    char *text = geojson_read_file(path, &len);
    if (text == NULL)
        return 2;
    char error[256];
    int rc = notify_templates_parse(text, config, &templates_tree, error, sizeof error);
    free(text);
    if (rc != 0) {
        notify_templates_free(templates_tree);
        templates_tree = NULL;
        fprintf(stderr, "chengguan serve: --sms-templates %s: %s\n", path, error);
        return 2;
    }
    return 0;
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

int notify_options_apply(const struct notify_options *options, struct notify_config *config)
{
    memset(config, 0, sizeof *config);
    if (!empty(options->sms_url)) {
        if (!outbox_url_valid(options->sms_url, STORE_OUTBOX_URL_MAX)) {
            fprintf(stderr, "chengguan serve: --sms-url must be an http:// or https:// URL\n");
            return 2;
        }
        if (empty(options->sms_key)) {
            fprintf(stderr, "chengguan serve: --sms-url needs --sms-key (CHENGGUAN_SMS_KEY), "
                            "the key that signs each request to the gateway\n");
            return 2;
        }
        config->sms_url = options->sms_url;
        config->sms_key = options->sms_key;
    }
    if (!empty(options->smtp_url)) {
        bool scheme = strncmp(options->smtp_url, "smtp://", 7) == 0 ||
                      strncmp(options->smtp_url, "smtps://", 8) == 0;
        if (!scheme || empty(options->smtp_from) || strchr(options->smtp_from, '@') == NULL ||
            strpbrk(options->smtp_from, "<>\r\n ") != NULL) {
            fprintf(stderr, "chengguan serve: --smtp-url must be smtp:// or smtps:// and needs "
                            "--smtp-from, a plain address (name@example.org)\n");
            return 2;
        }
        config->smtp_url = options->smtp_url;
        config->smtp_from = options->smtp_from;
        const char *user = getenv("CHENGGUAN_SMTP_USER");
        config->smtp_user = empty(user) ? NULL : user;
        config->smtp_pass = getenv("CHENGGUAN_SMTP_PASSWORD");
    }
    const char *base = options->public_url ? options->public_url : "";
    if (base[0] != '\0' && !outbox_url_valid(base, 200)) {
        fprintf(stderr, "chengguan serve: --public-url must be an http:// or https:// URL\n");
        return 2;
    }
    // Links are base + "/#no=...": a trailing slash would double.
    static char public_url[256];
    snprintf(public_url, sizeof public_url, "%s", base);
    size_t len = strlen(public_url);
    while (len > 0 && public_url[len - 1] == '/')
        public_url[--len] = '\0';
    config->public_url = public_url;
    if (!empty(options->sms_templates) && read_templates(options->sms_templates, config) != 0)
        return 2;
    notify_configure(config);
    return 0;
}
