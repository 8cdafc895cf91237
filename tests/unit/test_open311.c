// SPDX-License-Identifier: MIT
// Unit tests of Open311's pure rules: W3C date-times read (Z, offsets, a
// fraction, a bare date, the space a client's unescaped '+' becomes) and
// written with the offset, the open/closed status of every state, the status
// filter and the format suffix of a resource.
#include "open311.h"
#include "textmask.h"

#include <criterion/criterion.h>
#include <stdio.h>

#define CST (8 * 60) // China Standard Time, minutes east of UTC

// 2026-11-05T00:15:30Z in ms.
static const int64_t NOV5 = 1793837730000LL;

static int64_t parsed(const char *text)
{
    int64_t ms = 0;
    cr_assert(open311_datetime_parse(text, CST, &ms), "%s should parse", text);
    return ms;
}

Test(open311, w3c_datetimes_with_every_offset_form_are_the_same_instant)
{
    cr_expect_eq(parsed("2026-11-05T00:15:30Z"), NOV5);
    cr_expect_eq(parsed("2026-11-05T08:15:30+08:00"), NOV5);
    cr_expect_eq(parsed("2026-11-04T19:15:30-05:00"), NOV5);
    cr_expect_eq(parsed("2026-11-05T08:15:30 08:00"), NOV5, "an unescaped + arrives as a space");
    cr_expect_eq(parsed("2026-11-05 08:15:30+08:00"), NOV5, "a space for the T");
    cr_expect_eq(parsed("2026-11-05T08:15:30"), NOV5, "no offset: local time");
    cr_expect_eq(parsed("2026-11-05T00:15:30.25Z"), NOV5 + 250);
    cr_expect_eq(parsed("2026-11-05T00:15:30.123456789Z"), NOV5 + 123);
    cr_expect_eq(parsed("2026-11-05T08:15+08:00"), NOV5 - 30000);
    cr_expect_eq(parsed("2026-11-05"), NOV5 - (8 * 3600 + 15 * 60 + 30) * 1000LL,
                 "a bare date is local midnight");
    cr_expect_eq(parsed("1970-01-01T00:00:00Z"), 0);
    cr_expect_eq(parsed("2024-02-29T00:00:00Z"), 1709164800000LL, "a leap day");
}

Test(open311, malformed_or_out_of_range_datetimes_are_refused)
{
    static const char *const BAD[] = {
        "",     "yesterday", "2026-11-5",           "2026-13-01",          "2026-02-29",
        "2100-02-29",        "2026-11-05T24:00:00Z", "2026-11-05T08:60:00Z", "2026-11-05T08:15:61Z",
        "2026-11-05T08:15:30+15:00", "2026-11-05T08:15:30+0800", "2026-11-05T08:15:30.Z",
        "2026-11-05T08:15:30Zjunk", "1969-12-31T23:59:59Z", "2026-11-05T",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        int64_t ms = 42;
        cr_expect_not(open311_datetime_parse(BAD[i], CST, &ms), "%s should be refused", BAD[i]);
        cr_expect_eq(ms, 42, "%s: nothing written", BAD[i]);
    }
    cr_expect_not(open311_datetime_parse(NULL, CST, &(int64_t){0}));
}

Test(open311, datetimes_are_written_with_the_offset_and_read_back)
{
    char text[OPEN311_DATETIME_SIZE];
    open311_datetime_format(NOV5, CST, text);
    cr_expect_str_eq(text, "2026-11-05T08:15:30+08:00");
    open311_datetime_format(NOV5, -5 * 60, text);
    cr_expect_str_eq(text, "2026-11-04T19:15:30-05:00");
    open311_datetime_format(NOV5 + 999, 0, text);
    cr_expect_str_eq(text, "2026-11-05T00:15:30+00:00", "milliseconds are cut");
    open311_datetime_format(1709164800000LL - 1000, CST, text);
    cr_expect_str_eq(text, "2024-02-29T07:59:59+08:00");
    for (int64_t ms = 0; ms < 4102444800000LL; ms += 86400000LL * 37 + 3723000) {
        open311_datetime_format(ms, CST, text);
        cr_assert_eq(parsed(text), ms / 1000 * 1000, "%s", text);
    }
}

Test(open311, open_states_are_open_and_final_ones_closed)
{
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++)
        cr_expect_str_eq(open311_status((enum casefsm_state)s),
                         casefsm_state_is_open((enum casefsm_state)s) ? "open" : "closed");
    cr_expect_str_eq(open311_status(CASEFSM_STATE_DISPATCHED), "open");
    cr_expect_str_eq(open311_status(CASEFSM_STATE_SUSPENDED), "open");
    cr_expect_str_eq(open311_status(CASEFSM_STATE_CLOSED), "closed");
    cr_expect_str_eq(open311_status(CASEFSM_STATE_REJECTED), "closed");
    cr_expect_str_eq(open311_status(CASEFSM_STATE_MERGED), "closed");
}

Test(open311, the_status_filter)
{
    cr_expect_eq(open311_status_parse("open"), OPEN311_STATUS_OPEN);
    cr_expect_eq(open311_status_parse("closed"), OPEN311_STATUS_CLOSED);
    cr_expect_eq(open311_status_parse("open,closed"), OPEN311_STATUS_OPEN | OPEN311_STATUS_CLOSED);
    cr_expect_eq(open311_status_parse("closed,open"), OPEN311_STATUS_OPEN | OPEN311_STATUS_CLOSED);
    cr_expect_eq(open311_status_parse("Open"), 0);
    cr_expect_eq(open311_status_parse("pending"), 0);
    cr_expect_eq(open311_status_parse(""), 0);
    cr_expect_eq(open311_status_parse(NULL), 0);
}

Test(open311, format_suffixes)
{
    char base[16];
    enum open311_format format;
    cr_expect(open311_split_format("event-0101.json", base, sizeof base, &format));
    cr_expect_str_eq(base, "event-0101");
    cr_expect_eq(format, OPEN311_JSON);
    cr_expect(open311_split_format("20261130000001.xml", base, sizeof base, &format));
    cr_expect_str_eq(base, "20261130000001");
    cr_expect_eq(format, OPEN311_XML);
    cr_expect(open311_split_format("20261130000001", base, sizeof base, &format));
    cr_expect_eq(format, OPEN311_XML, "no suffix: XML, the required format");
    cr_expect_not(open311_split_format("0101.csv", base, sizeof base, &format));
    cr_expect_not(open311_split_format(".json", base, sizeof base, &format));
    cr_expect_not(open311_split_format("", base, sizeof base, &format));
    cr_expect_not(open311_split_format(NULL, base, sizeof base, &format));
    cr_expect_not(open311_split_format("a-very-long-name-indeed.json", base, sizeof base, &format));
}

static const char *masked(const char *text)
{
    static char buffer[256];
    snprintf(buffer, sizeof buffer, "%s", text);
    textmask_numbers(buffer);
    return buffer;
}

Test(open311, phone_and_id_numbers_in_public_text_are_masked)
{
    cr_expect_str_eq(masked("请回电13812345678谢谢"), "请回电***********谢谢");
    cr_expect_str_eq(masked("tel 138 1234-5678."), "tel *** ****-****.");
    cr_expect_str_eq(masked("身份证44090219900101123X"), "身份证******************");
    cr_expect_str_eq(masked("0668-2281234"), "****-*******");
    cr_expect_str_eq(masked("双山路283号 3天 2026-11-05"), "双山路283号 3天 2026-11-05",
                     "house numbers and dates stay");
    cr_expect_str_eq(masked("123456 and 1234567"), "123456 and *******");
    cr_expect_str_eq(masked("a - 1234567"), "a - *******");
    cr_expect_str_eq(masked(""), "");
    cr_expect_eq(textmask_numbers(NULL), 0);
    char text[] = "13812345678";
    cr_expect_eq(textmask_numbers(text), 11);
}

Test(open311, full_width_digits_are_masked_one_star_each)
{
    cr_expect_str_eq(masked("电话１３８１２３４５６７８"), "电话***********");
    cr_expect_str_eq(masked("１３８ １２３４-５６７８号"), "*** ****-****号");
    cr_expect_str_eq(masked("门牌３１号"), "门牌３１号", "a short full-width number stays");
    char text[] = "１２３４５６７";
    cr_expect_eq(textmask_numbers(text), 7);
    cr_expect_str_eq(text, "*******");
}
