// SPDX-License-Identifier: MIT
// Unit tests of notification texts: placeholders replaced, braces escaped,
// unknown placeholders and open braces refused, control characters in values
// made spaces, the length capped at a UTF-8 character boundary; the default
// templates of both languages render; replacement templates from JSON are
// checked; phone numbers keyed without spaces and dashes.
#include "notify.h"

#include <criterion/criterion.h>
#include <string.h>

static const struct notify_vars VARS = {
    .case_no = "20261201000042",
    .link = "https://city.example/#no=20261201000042&code=ABC234",
    .stop = "https://city.example/#no=20261201000042&code=ABC234&stop=1",
    .unit = "市政科",
    .stage = "处置",
    .deadline = "2026-12-01 18:00",
};

Test(notify, placeholders_are_replaced)
{
    char out[NOTIFY_TEXT_MAX + 1];
    bool cut = true;
    int n = notify_render("案件{case_no}：{link}", &VARS, out, sizeof out, &cut);
    cr_expect_str_eq(out,
                     "案件20261201000042：https://city.example/#no=20261201000042&code=ABC234");
    cr_expect_eq(n, (int)strlen(out));
    cr_expect_not(cut);
    notify_render("{unit}{stage}{deadline}{stop}", &VARS, out, sizeof out, NULL);
    cr_expect_str_eq(out, "市政科处置2026-12-01 18:00"
                          "https://city.example/#no=20261201000042&code=ABC234&stop=1");
    // A value left NULL renders empty.
    struct notify_vars none = {0};
    cr_expect_eq(notify_render("[{case_no}]", &none, out, sizeof out, NULL), 2);
    cr_expect_str_eq(out, "[]");
}

Test(notify, braces_escape_and_mistakes_are_refused)
{
    char out[NOTIFY_TEXT_MAX + 1];
    notify_render("{{case_no}} is {case_no}", &VARS, out, sizeof out, NULL);
    cr_expect_str_eq(out, "{case_no} is 20261201000042");
    cr_expect_eq(notify_render("{case_number}", &VARS, out, sizeof out, NULL), -1);
    cr_expect_str_eq(out, "", "nothing half-rendered");
    cr_expect_eq(notify_render("open {case_no", &VARS, out, sizeof out, NULL), -1);
    cr_expect_eq(notify_render("close } alone", &VARS, out, sizeof out, NULL), -1);
    cr_expect_eq(notify_render("{}", &VARS, out, sizeof out, NULL), -1);
    cr_expect(notify_template_valid("ok {case_no} {{x}}"));
    cr_expect_not(notify_template_valid("bad {x}"));
    cr_expect_not(notify_template_valid(NULL));
}

Test(notify, values_cannot_break_lines)
{
    char out[NOTIFY_TEXT_MAX + 1];
    struct notify_vars vars = {.unit = "a\r\nb\tc\x7f"};
    notify_render("[{unit}]", &vars, out, sizeof out, NULL);
    cr_expect_str_eq(out, "[a  b c ]");
    // A value's braces are text, not placeholders.
    vars.unit = "{case_no}";
    notify_render("{unit}", &vars, out, sizeof out, NULL);
    cr_expect_str_eq(out, "{case_no}");
}

Test(notify, long_texts_are_cut_at_a_character_boundary)
{
    char value[2 * NOTIFY_TEXT_MAX];
    value[0] = '\0';
    while (strlen(value) + 3 < sizeof value)
        strcat(value, "城"); // 3 bytes each
    struct notify_vars vars = {.unit = value};
    char out[NOTIFY_TEXT_MAX + 1];
    bool cut = false;
    int n = notify_render("x{unit}", &vars, out, sizeof out, &cut);
    cr_expect(cut);
    cr_expect_leq(n, NOTIFY_TEXT_MAX);
    cr_expect_eq((n - 1) % 3, 0, "whole characters only (got %d bytes)", n);
    cr_expect_eq(n, 1 + (NOTIFY_TEXT_MAX - 1) / 3 * 3);
    // A small buffer caps it too.
    char small[8];
    n = notify_render("{unit}", &vars, small, sizeof small, &cut);
    cr_expect_eq(n, 6);
    cr_expect(cut);
}

Test(notify, default_templates_render_in_both_languages)
{
    char out[NOTIFY_TEXT_MAX + 1];
    for (int lang = 0; lang < NOTIFY_LANG_COUNT; lang++)
        for (int t = 0; t < NOTIFY_TEMPLATE_COUNT; t++) {
            const char *text =
                notify_template_text((enum notify_lang)lang, (enum notify_template)t);
            cr_expect(notify_template_valid(text), "%s.%s", notify_lang_name(lang),
                      notify_template_name(t));
            bool cut = true;
            cr_expect_gt(notify_render(text, &VARS, out, sizeof out, &cut), 0);
            cr_expect_not(cut);
            cr_expect_not_null(strstr(out, VARS.case_no));
        }
    notify_render(notify_template_text(NOTIFY_ZH, NOTIFY_CLOSED), &VARS, out, sizeof out, NULL);
    cr_expect_not_null(strstr(out, VARS.link), "the closing SMS carries the rating link");
    notify_render(notify_template_text(NOTIFY_EN, NOTIFY_FILED), &VARS, out, sizeof out, NULL);
    cr_expect_not_null(strstr(out, "Stop SMS: "));
}

Test(notify, replacement_templates_are_checked)
{
    struct notify_config config = {0};
    void *owned = NULL;
    char error[256];
    cr_expect_eq(notify_templates_parse("{\"en\": {\"closed\": \"Done: {case_no} {link}\"}}",
                                        &config, &owned, error, sizeof error),
                 0);
    cr_expect_str_eq(config.templates[NOTIFY_EN][NOTIFY_CLOSED], "Done: {case_no} {link}");
    cr_expect_null(config.templates[NOTIFY_ZH][NOTIFY_CLOSED]);
    notify_configure(&config);
    cr_expect_str_eq(notify_template_text(NOTIFY_EN, NOTIFY_CLOSED), "Done: {case_no} {link}");
    cr_expect_neq(strcmp(notify_template_text(NOTIFY_ZH, NOTIFY_CLOSED), "Done: {case_no} {link}"),
                  0, "the other language keeps its default");
    notify_configure(NULL);
    const char *bad[] = {
        "[1]",
        "{\"fr\": {\"filed\": \"x\"}}",
        "{\"zh\": {\"sent\": \"x\"}}",
        "{\"zh\": {\"filed\": 3}}",
        "{\"zh\": {\"filed\": \"{nope}\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct notify_config c = {0};
        void *tree = NULL;
        error[0] = '\0';
        cr_expect_eq(notify_templates_parse(bad[i], &c, &tree, error, sizeof error), -1, "%s",
                     bad[i]);
        cr_expect_neq(error[0], '\0');
        notify_templates_free(tree);
    }
    notify_templates_free(owned);
}

Test(notify, phones_are_keyed_by_their_digits)
{
    char out[32];
    cr_expect(notify_phone_normal("138 0013-8000", out, sizeof out));
    cr_expect_str_eq(out, "13800138000");
    cr_expect(notify_phone_normal("+86 138 0013 8000", out, sizeof out));
    cr_expect_str_eq(out, "+8613800138000");
    cr_expect_not(notify_phone_normal("1234", out, sizeof out), "too few digits");
    cr_expect_not(notify_phone_normal("138+0013", out, sizeof out), "a '+' only first");
    cr_expect_not(notify_phone_normal("12ab5678", out, sizeof out));
    cr_expect_not(notify_phone_normal("", out, sizeof out));
    cr_expect_not(notify_phone_normal("12345678901234567890", out, 8), "does not fit");
}

Test(notify, names_and_stage_labels)
{
    cr_expect_eq(notify_template_find("supervise"), NOTIFY_SUPERVISE);
    cr_expect_eq(notify_template_find("nope"), -1);
    cr_expect_eq(notify_lang_find("en"), NOTIFY_EN);
    cr_expect_eq(notify_lang_find("fr"), -1);
    cr_expect_str_eq(notify_stage_label(NOTIFY_ZH, "handle"), "处置");
    cr_expect_str_eq(notify_stage_label(NOTIFY_EN, "handle"), "handling");
    cr_expect_str_eq(notify_stage_label(NOTIFY_EN, "odd"), "odd");
}
