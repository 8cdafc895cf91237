// SPDX-License-Identifier: MIT
// Notification texts: the default templates (zh, en), their rendering with
// placeholders, and the process's notification settings.
#include "notify.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *const TEMPLATE_NAMES[NOTIFY_TEMPLATE_COUNT] = {
    "filed", "closed", "reopened", "remind", "supervise",
};
static const char *const LANG_NAMES[NOTIFY_LANG_COUNT] = {"zh", "en"};

static const char *const DEFAULTS[NOTIFY_LANG_COUNT][NOTIFY_TEMPLATE_COUNT] = {
    {
        "【城市管理】您反映的问题已受理，案件号{case_no}。查询进度：{link} 不再接收短信：{stop}",
        "【城市管理】您反映的问题（案件号{case_no}）已办结，欢迎评价：{link} 不再接收短信：{stop}",
        "【城市管理】案件{case_no}已重新办理，查询进度：{link} 不再接收短信：{stop}",
        "【城市管理·催办】{unit}：案件{case_no}的{stage}环节将于{deadline}到期，请抓紧办理。",
        "【城市管理·督办】{unit}：案件{case_no}的{stage}环节已超过期限{deadline}"
        "，请立即办理并反馈。",
    },
    {
        "City services: your report is filed as case {case_no}. Track it: {link} Stop SMS: {stop}",
        "City services: case {case_no} is closed. Please rate how it was handled: {link} Stop "
        "SMS: {stop}",
        "City services: case {case_no} was reopened. Track it: {link} Stop SMS: {stop}",
        "City services reminder to {unit}: the {stage} stage of case {case_no} is due at "
        "{deadline}.",
        "City services supervision notice to {unit}: the {stage} stage of case {case_no} is past "
        "its deadline {deadline}. Act on it now and report back.",
    },
};

static const struct notify_config EMPTY_CONFIG;
static const struct notify_config *config_in_force = &EMPTY_CONFIG;

const char *notify_template_name(enum notify_template t)
{
    return t >= 0 && t < NOTIFY_TEMPLATE_COUNT ? TEMPLATE_NAMES[t] : "";
}

static int find_name(const char *const *names, int count, const char *name)
{
    for (int i = 0; name != NULL && i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int notify_template_find(const char *name)
{
    return find_name(TEMPLATE_NAMES, NOTIFY_TEMPLATE_COUNT, name);
}

const char *notify_lang_name(enum notify_lang lang)
{
    return lang >= 0 && lang < NOTIFY_LANG_COUNT ? LANG_NAMES[lang] : "zh";
}

int notify_lang_find(const char *name)
{
    return find_name(LANG_NAMES, NOTIFY_LANG_COUNT, name);
}

// The value of the placeholder name[0..len), into *value; false when unknown.
static bool placeholder(const struct notify_vars *vars, const char *name, size_t len,
                        const char **value)
{
    static const struct notify_vars NONE;
    if (vars == NULL)
        vars = &NONE;
    const struct {
        const char *name;
        const char *value;
    } table[] = {
        {"case_no", vars->case_no}, {"link", vars->link},   {"stop", vars->stop},
        {"unit", vars->unit},       {"stage", vars->stage}, {"deadline", vars->deadline},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) {
            *value = table[i].value ? table[i].value : "";
            return true;
        }
    return false;
}

// Output with a limit: what does not fit is dropped, and cut marks it.
struct sink {
    char *out;
    size_t len, cap; // cap: the bytes the text may take (without the NUL)
    bool cut;
};

// The length of the UTF-8 sequence starting with byte c (1 for a stray byte).
static size_t utf8_length(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

// Appends text[0..n), control characters as spaces, whole characters only.
static void put(struct sink *s, const char *text, size_t n)
{
    size_t i = 0;
    while (i < n && !s->cut) {
        size_t step = utf8_length((unsigned char)text[i]);
        if (step > n - i)
            step = n - i;
        if (s->len + step > s->cap) {
            s->cut = true;
            break;
        }
        for (size_t k = 0; k < step; k++) {
            unsigned char c = (unsigned char)text[i + k];
            s->out[s->len++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
        }
        i += step;
    }
}

int notify_render(const char *template_text, const struct notify_vars *vars, char *out, size_t size,
                  bool *truncated)
{
    if (truncated != NULL)
        *truncated = false;
    if (out == NULL || size == 0)
        return -1;
    out[0] = '\0';
    if (template_text == NULL)
        return -1;
    size_t cap = size - 1 < NOTIFY_TEXT_MAX ? size - 1 : NOTIFY_TEXT_MAX;
    struct sink s = {out, 0, cap, false};
    for (const char *p = template_text; *p != '\0';) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            put(&s, p, 1);
            p += 2;
        } else if (*p == '{') {
            const char *end = strchr(p + 1, '}');
            const char *value = NULL;
            if (end == NULL || !placeholder(vars, p + 1, (size_t)(end - p - 1), &value)) {
                out[0] = '\0';
                return -1;
            }
            put(&s, value, strlen(value));
            p = end + 1;
        } else if (*p == '}') {
            out[0] = '\0';
            return -1; // a lone closing brace: a typo
        } else {
            size_t run = strcspn(p, "{}");
            put(&s, p, run);
            p += run;
        }
    }
    out[s.len] = '\0';
    if (truncated != NULL)
        *truncated = s.cut;
    return (int)s.len;
}

bool notify_template_valid(const char *template_text)
{
    char out[NOTIFY_TEXT_MAX + 1];
    return notify_render(template_text, NULL, out, sizeof out, NULL) >= 0;
}

void notify_configure(const struct notify_config *config)
{
    config_in_force = config != NULL ? config : &EMPTY_CONFIG;
}

const struct notify_config *notify_config(void)
{
    return config_in_force;
}

const char *notify_template_text(enum notify_lang lang, enum notify_template t)
{
    if (lang < 0 || lang >= NOTIFY_LANG_COUNT)
        lang = NOTIFY_ZH;
    if (t < 0 || t >= NOTIFY_TEMPLATE_COUNT)
        return "";
    const char *custom = config_in_force->templates[lang][t];
    return custom != NULL ? custom : DEFAULTS[lang][t];
}

int notify_templates_parse(const char *json, struct notify_config *config, void **owned,
                           char *error, size_t error_size)
{
    cJSON *root = cJSON_Parse(json);
    *owned = root;
    if (!cJSON_IsObject(root)) {
        snprintf(error, error_size, "the templates are not a JSON object");
        return -1;
    }
    const cJSON *lang_item;
    cJSON_ArrayForEach(lang_item, root)
    {
        int lang = notify_lang_find(lang_item->string);
        if (lang < 0 || !cJSON_IsObject(lang_item)) {
            snprintf(error, error_size, "\"%s\": not zh or en with an object of templates",
                     lang_item->string);
            return -1;
        }
        const cJSON *item;
        cJSON_ArrayForEach(item, lang_item)
        {
            int t = notify_template_find(item->string);
            const char *text = cJSON_GetStringValue(item);
            if (t < 0 || text == NULL) {
                snprintf(error, error_size,
                         "%s.%s: no such template (filed, closed, reopened, "
                         "remind, supervise) or not a string",
                         lang_item->string, item->string);
                return -1;
            }
            if (!notify_template_valid(text)) {
                snprintf(error, error_size,
                         "%s.%s: an unknown placeholder or an open brace "
                         "(known: {case_no} {link} {stop} {unit} {stage} {deadline}; {{ for {)",
                         lang_item->string, item->string);
                return -1;
            }
            config->templates[lang][t] = text;
        }
    }
    return 0;
}

const char *notify_stage_label(enum notify_lang lang, const char *stage)
{
    static const struct {
        const char *name, *zh, *en;
    } STAGES[] = {
        {"file", "立案", "filing"},       {"verify", "核实", "verification"},
        {"dispatch", "派遣", "dispatch"}, {"sign", "签收", "acceptance"},
        {"arrive", "到场", "arrival"},    {"handle", "处置", "handling"},
        {"phase", "处置", "handling"},    {"check", "核查", "check"},
        {"close", "结案", "closing"},
    };
    for (size_t i = 0; stage != NULL && i < sizeof STAGES / sizeof STAGES[0]; i++)
        if (strcmp(stage, STAGES[i].name) == 0)
            return lang == NOTIFY_EN ? STAGES[i].en : STAGES[i].zh;
    return stage != NULL ? stage : "";
}

bool notify_phone_normal(const char *phone, char *out, size_t size)
{
    size_t n = 0, digits = 0;
    if (phone == NULL || size == 0)
        return false;
    for (const char *p = phone; *p != '\0'; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        bool plus = *p == '+' && n == 0;
        if (!plus && (*p < '0' || *p > '9'))
            return false;
        if (n + 1 >= size)
            return false;
        out[n++] = *p;
        digits += plus ? 0 : 1;
    }
    out[n] = '\0';
    return digits >= 5;
}

void notify_templates_free(void *owned)
{
    cJSON_Delete(owned);
}
