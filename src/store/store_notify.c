// SPDX-License-Identifier: MIT
// Notifications in the store: a case event's SMS to the citizen and the
// notices of an escalation to the units it names, written as outbox rows in
// the event's write job (store_notify_event_tx, called by
// store_outbox_event_tx); opt-outs; the units' channels. Same SQL on every
// engine.
#include "store_notify.h"

#include "admin_audit.h"
#include "audit.h"
#include "engine.h"
#include "notify.h"
#include "store_admin.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---- writing messages ----

// Inserts a message whose payload is the JSON of body (freed here).
static int insert_json(struct store_tx *tx, const char *key, const char *kind, const char *target,
                       int64_t case_id, cJSON *body, int64_t now)
{
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (text == NULL)
        return STORE_ERROR;
    int rc = store_outbox_insert_tx(tx, key, kind, target, case_id, text, now);
    free(text);
    return rc;
}

// An SMS: {to, text, template, lang, idempotency_key}.
static int insert_sms(struct store_tx *tx, const char *key, const char *phone, int64_t case_id,
                      enum notify_lang lang, enum notify_template t, const struct notify_vars *vars,
                      int64_t now)
{
    char text[NOTIFY_TEXT_MAX + 1];
    if (notify_render(notify_template_text(lang, t), vars, text, sizeof text, NULL) < 0)
        return STORE_OK; // a template checked at start cannot fail; nothing to send
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "to", phone);
    cJSON_AddStringToObject(body, "text", text);
    cJSON_AddStringToObject(body, "template", notify_template_name(t));
    cJSON_AddStringToObject(body, "lang", notify_lang_name(lang));
    cJSON_AddStringToObject(body, "idempotency_key", key);
    return insert_json(tx, key, "sms", phone, case_id, body, now);
}

// The citizen's template for an event, or -1 when they are not told of it.
static int citizen_template(const struct audit_event *e)
{
    // Reopened by staff, or by the citizen's own unsatisfied rating.
    if (strcmp(e->action, "reopen") == 0 ||
        (strcmp(e->from_state, "closed") == 0 && strcmp(e->to_state, "closed") != 0))
        return NOTIFY_REOPENED;
    if (strcmp(e->action, "report") == 0 && e->from_state[0] == '\0')
        return NOTIFY_FILED;
    if (strcmp(e->to_state, "closed") == 0 && strcmp(e->from_state, "closed") != 0)
        return NOTIFY_CLOSED;
    return -1;
}

// The case's tracking page, and the same page offering to stop SMS.
static void citizen_links(const char *case_no, const char *code, char *link, size_t link_size,
                          char *stop, size_t stop_size)
{
    const char *base = notify_config()->public_url ? notify_config()->public_url : "";
    snprintf(link, link_size, "%s/#no=%s&code=%s", base, case_no, code);
    snprintf(stop, stop_size, "%s&stop=1", link);
}

static int citizen_sms_tx(struct store_tx *tx, const struct audit_event *e, int64_t event_id)
{
    static const char SQL[] =
        "SELECT c.case_no, n.phone, n.lang, n.query_code FROM case_notify n "
        "JOIN case_record c ON c.id = n.case_id WHERE n.case_id = :case AND NOT EXISTS "
        "(SELECT 1 FROM sms_optout o WHERE o.phone = n.phone)";
    int t = citizen_template(e);
    if (t < 0 || notify_config()->sms_url == NULL)
        return STORE_OK;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", e->case_id);
    int rc = store_step_row(stmt);
    if (rc != STORE_OK) {
        store_stmt_done(stmt);
        return rc == STORE_NOT_FOUND ? STORE_OK : rc;
    }
    char case_no[16], phone[STORE_NOTIFY_PHONE_MAX + 1], lang_name[4], code[32];
    store_column_copy(case_no, sizeof case_no, stmt, 0);
    store_column_copy(phone, sizeof phone, stmt, 1);
    store_column_copy(lang_name, sizeof lang_name, stmt, 2);
    store_column_copy(code, sizeof code, stmt, 3);
    store_stmt_done(stmt);
    char link[STORE_NOTIFY_URL_MAX], stop[STORE_NOTIFY_URL_MAX + 8], key[64];
    citizen_links(case_no, code, link, sizeof link, stop, sizeof stop);
    int lang = notify_lang_find(lang_name);
    struct notify_vars vars = {.case_no = case_no, .link = link, .stop = stop};
    snprintf(key, sizeof key, "cg-event-%" PRId64 "-sms", event_id);
    return insert_sms(tx, key, phone, e->case_id, lang < 0 ? NOTIFY_ZH : (enum notify_lang)lang,
                      (enum notify_template)t, &vars, e->created_at);
}

// A deadline in ms as the notices show it (local time).
static void deadline_text(int64_t ms, char *out, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || localtime_r(&seconds, &tm) == NULL ||
        strftime(out, size, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, size, "-");
}

// What an escalation's notice says, from its event.
struct notice {
    const struct audit_event *e;
    int64_t event_id;
    enum notify_template template;
    const char *level, *stage, *audience;
    char case_no[16], deadline[32];
    int64_t deadline_ms;
};

static int unit_notice_tx(struct store_tx *tx, const struct notice *n, int64_t unit_id)
{
    static const char SQL[] =
        "SELECT u.name, n.webhook_url, n.phone, n.email FROM org_unit_notify n "
        "JOIN org_unit u ON u.id = n.unit_id WHERE n.unit_id = :unit";
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    int rc = store_step_row(stmt);
    if (rc != STORE_OK) {
        store_stmt_done(stmt);
        return rc == STORE_NOT_FOUND ? STORE_OK : rc;
    }
    char name[128], url[STORE_NOTIFY_URL_MAX + 1], phone[STORE_NOTIFY_PHONE_MAX + 1],
        email[STORE_NOTIFY_EMAIL_MAX + 1];
    store_column_copy(name, sizeof name, stmt, 0);
    store_column_copy(url, sizeof url, stmt, 1);
    store_column_copy(phone, sizeof phone, stmt, 2);
    store_column_copy(email, sizeof email, stmt, 3);
    store_stmt_done(stmt);
    const struct notify_config *config = notify_config();
    struct notify_vars vars = {.case_no = n->case_no,
                               .unit = name,
                               .stage = notify_stage_label(NOTIFY_ZH, n->stage),
                               .deadline = n->deadline};
    char key[64], target[24], text[NOTIFY_TEXT_MAX + 1];
    const char *event = notify_template_name(n->template);
    rc = STORE_OK;
    if (phone[0] != '\0' && config->sms_url != NULL) {
        snprintf(key, sizeof key, "cg-event-%" PRId64 "-sms-%" PRId64, n->event_id, unit_id);
        rc = insert_sms(tx, key, phone, n->e->case_id, NOTIFY_ZH, n->template, &vars,
                        n->e->created_at);
    }
    if (notify_render(notify_template_text(NOTIFY_ZH, n->template), &vars, text, sizeof text,
                      NULL) < 0)
        text[0] = '\0';
    if (rc == STORE_OK && url[0] != '\0') {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "event", event);
        cJSON_AddStringToObject(body, "case_no", n->case_no);
        cJSON_AddNumberToObject(body, "unit_id", (double)unit_id);
        cJSON_AddStringToObject(body, "unit", name);
        cJSON_AddStringToObject(body, "audience", n->audience);
        cJSON_AddStringToObject(body, "level", n->level);
        cJSON_AddStringToObject(body, "stage", n->stage);
        cJSON_AddNumberToObject(body, "deadline", (double)n->deadline_ms);
        cJSON_AddNumberToObject(body, "at", (double)n->e->created_at);
        cJSON_AddNumberToObject(body, "seq", (double)n->event_id);
        cJSON_AddStringToObject(body, "text", text);
        snprintf(key, sizeof key, "cg-event-%" PRId64 "-webhook-%" PRId64, n->event_id, unit_id);
        snprintf(target, sizeof target, "%" PRId64, unit_id);
        rc = insert_json(tx, key, "webhook", target, n->e->case_id, body, n->e->created_at);
    }
    if (rc == STORE_OK && email[0] != '\0' && config->smtp_url != NULL) {
        char subject[96];
        snprintf(subject, sizeof subject, "%s：案件%s",
                 n->template == NOTIFY_SUPERVISE ? "督办" : "催办", n->case_no);
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "to", email);
        cJSON_AddStringToObject(body, "subject", subject);
        cJSON_AddStringToObject(body, "text", text);
        snprintf(key, sizeof key, "cg-event-%" PRId64 "-email-%" PRId64, n->event_id, unit_id);
        rc = insert_json(tx, key, "email", email, n->e->case_id, body, n->e->created_at);
    }
    return rc;
}

static int department_notices_tx(struct store_tx *tx, const struct audit_event *e, int64_t event_id)
{
    static const char SQL_NO[] = "SELECT case_no FROM case_record WHERE id = :id";
    bool red = strcmp(e->action, "auto-supervise") == 0;
    if (!red && strcmp(e->action, "remind") != 0)
        return STORE_OK;
    cJSON *data = cJSON_Parse(e->data ? e->data : "{}");
    const cJSON *recipients = cJSON_GetObjectItemCaseSensitive(data, "recipients");
    struct notice n = {
        .e = e,
        .event_id = event_id,
        .template = red ? NOTIFY_SUPERVISE : NOTIFY_REMIND,
        .level = red ? "red" : "yellow",
        .stage = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "stage")),
    };
    if (n.stage == NULL)
        n.stage = "";
    const cJSON *deadline = cJSON_GetObjectItemCaseSensitive(data, "deadline");
    n.deadline_ms = cJSON_IsNumber(deadline) ? (int64_t)deadline->valuedouble : 0;
    deadline_text(n.deadline_ms, n.deadline, sizeof n.deadline);
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_NO);
    int rc = stmt != NULL ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK) {
        store_bind_int(stmt, ":id", e->case_id);
        rc = store_step_row(stmt);
        if (rc == STORE_OK)
            store_column_copy(n.case_no, sizeof n.case_no, stmt, 0);
        store_stmt_done(stmt);
    }
    const cJSON *recipient;
    cJSON_ArrayForEach(recipient, recipients)
    {
        if (rc != STORE_OK)
            break;
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(recipient, "unit_id");
        n.audience = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(recipient, "audience"));
        if (n.audience == NULL)
            n.audience = "unit";
        if (cJSON_IsNumber(unit))
            rc = unit_notice_tx(tx, &n, (int64_t)unit->valuedouble);
    }
    cJSON_Delete(data);
    return rc;
}

int store_notify_event_tx(struct store_tx *tx, const struct audit_event *e, int64_t event_id)
{
    if (e->case_id <= 0 || e->action == NULL)
        return STORE_OK;
    int rc = citizen_sms_tx(tx, e, event_id);
    return rc == STORE_OK ? department_notices_tx(tx, e, event_id) : rc;
}

int store_case_notify_tx(struct store_tx *tx, int64_t case_id, const char *phone, const char *lang,
                         const char *query_code)
{
    static const char SQL[] = "INSERT INTO case_notify (case_id, phone, lang, query_code) "
                              "VALUES (:case, :phone, :lang, :code)";
    char normal[STORE_NOTIFY_PHONE_MAX + 1];
    if (notify_config()->sms_url == NULL || query_code == NULL ||
        !notify_phone_normal(phone, normal, sizeof normal))
        return STORE_OK; // no gateway, no code or no phone: no SMS for this case
    struct store_stmt *stmt = store_tx_stmt(tx, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    store_bind_text(stmt, ":phone", normal);
    store_bind_text(stmt, ":lang", notify_lang_find(lang) == NOTIFY_EN ? "en" : "zh");
    store_bind_text(stmt, ":code", query_code);
    int rc = store_exec_stmt(stmt);
    return rc == STORE_CONFLICT ? STORE_ERROR : rc;
}

// ---- opt-out ----

int store_case_sms_active(struct store *store, int64_t case_id, bool *active)
{
    static const char SQL[] = "SELECT 1 FROM case_notify n WHERE n.case_id = :case AND NOT EXISTS "
                              "(SELECT 1 FROM sms_optout o WHERE o.phone = n.phone)";
    *active = false;
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":case", case_id);
    int rc = store_step_row(stmt);
    store_stmt_done(stmt);
    *active = rc == STORE_OK;
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

struct optout_job {
    int64_t case_id;
    bool found, had_phone;
};

static int optout_job(struct store_tx *tx, void *data)
{
    static const char SQL_PHONE[] = "SELECT citizen_phone FROM case_record WHERE id = :id";
    static const char SQL_ADD[] = "INSERT INTO sms_optout (phone, case_id, created_at) VALUES "
                                  "(:phone, :case, :now) ON CONFLICT (phone) DO NOTHING";
    struct optout_job *job = data;
    struct store_stmt *stmt = store_tx_stmt(tx, SQL_PHONE);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":id", job->case_id);
    int rc = store_step_row(stmt);
    char phone[64] = "", normal[STORE_NOTIFY_PHONE_MAX + 1];
    if (rc == STORE_OK)
        store_column_copy(phone, sizeof phone, stmt, 0);
    store_stmt_done(stmt);
    if (rc != STORE_OK)
        return rc;
    job->found = true;
    job->had_phone = notify_phone_normal(phone, normal, sizeof normal);
    if (!job->had_phone)
        return STORE_NOT_FOUND; // nothing to write
    struct store_stmt *add = store_tx_stmt(tx, SQL_ADD);
    if (add == NULL)
        return STORE_ERROR;
    store_bind_text(add, ":phone", normal);
    store_bind_int(add, ":case", job->case_id);
    store_bind_int(add, ":now", store_now_ms());
    rc = store_exec_stmt(add);
    return rc == STORE_CONFLICT ? STORE_ERROR : rc;
}

int store_sms_optout(struct store *store, int64_t case_id, bool *had_phone)
{
    struct optout_job job = {case_id, false, false};
    int rc = store_write(store, optout_job, &job);
    *had_phone = job.had_phone;
    return rc == STORE_NOT_FOUND && job.found ? STORE_OK : rc;
}

// ---- a unit's channels ----

static cJSON *channels_json(const char *url, const char *phone, const char *email)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "webhook_url", url);
    cJSON_AddStringToObject(o, "phone", phone);
    cJSON_AddStringToObject(o, "email", email);
    return o;
}

struct unit_set_job {
    const struct store_unit_notify *in;
    const struct store_actor *actor;
};

static int unit_set_job(struct store_tx *tx, void *data)
{
    static const char SQL_UNIT[] = "SELECT id FROM org_unit WHERE id = :unit";
    static const char SQL_OLD[] =
        "SELECT webhook_url, phone, email FROM org_unit_notify WHERE unit_id = :unit";
    static const char SQL_DELETE[] = "DELETE FROM org_unit_notify WHERE unit_id = :unit";
    static const char SQL_INSERT[] =
        "INSERT INTO org_unit_notify (unit_id, webhook_url, webhook_secret, phone, email, "
        "updated_at) VALUES (:unit, :url, :secret, :phone, :email, :now)";
    struct unit_set_job *job = data;
    const struct store_unit_notify *in = job->in;
    struct store_stmt *unit = store_tx_stmt(tx, SQL_UNIT);
    if (unit == NULL)
        return STORE_ERROR;
    store_bind_int(unit, ":unit", in->unit_id);
    int rc = store_step_row(unit);
    store_stmt_done(unit);
    if (rc != STORE_OK)
        return rc;
    struct store_stmt *old = store_tx_stmt(tx, SQL_OLD);
    if (old == NULL)
        return STORE_ERROR;
    store_bind_int(old, ":unit", in->unit_id);
    cJSON *before = NULL;
    if ((rc = store_step_row(old)) == STORE_OK)
        before =
            channels_json(store_col_text(old, 0), store_col_text(old, 1), store_col_text(old, 2));
    store_stmt_done(old);
    struct store_stmt *del = rc != STORE_ERROR ? store_tx_stmt(tx, SQL_DELETE) : NULL;
    if (del != NULL) {
        store_bind_int(del, ":unit", in->unit_id);
        rc = store_exec_stmt(del);
    }
    struct store_stmt *ins = del != NULL && rc == STORE_OK ? store_tx_stmt(tx, SQL_INSERT) : NULL;
    if (ins == NULL) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    store_bind_int(ins, ":unit", in->unit_id);
    store_bind_text(ins, ":url", in->webhook_url);
    store_bind_text(ins, ":secret", in->webhook_secret);
    store_bind_text(ins, ":phone", in->phone);
    store_bind_text(ins, ":email", in->email);
    store_bind_int(ins, ":now", store_now_ms());
    if (store_exec_stmt(ins) != STORE_OK) {
        cJSON_Delete(before);
        return STORE_ERROR;
    }
    cJSON *after = channels_json(in->webhook_url, in->phone, in->email);
    cJSON_AddBoolToObject(after, "secret_changed", in->webhook_url[0] != '\0');
    return store_admin_audit_tx(tx, job->actor, "org_unit.notify", "org_unit", in->unit_id, before,
                                after);
}

int store_unit_notify_set(struct store *store, const struct store_unit_notify *in,
                          const struct store_actor *actor)
{
    struct unit_set_job job = {in, actor};
    return store_write(store, unit_set_job, &job);
}

int store_unit_notify_get(struct store *store, int64_t unit_id, struct store_unit_notify *out)
{
    static const char SQL[] =
        "SELECT u.id, COALESCE(n.webhook_url, ''), COALESCE(n.webhook_secret, ''), "
        "COALESCE(n.phone, ''), COALESCE(n.email, '') FROM org_unit u "
        "LEFT JOIN org_unit_notify n ON n.unit_id = u.id WHERE u.id = :unit";
    memset(out, 0, sizeof *out);
    struct store_stmt *stmt = store_read_stmt(store, SQL);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_int(stmt, ":unit", unit_id);
    int rc = store_step_row(stmt);
    if (rc == STORE_OK) {
        out->unit_id = store_col_int64(stmt, 0);
        store_column_copy(out->webhook_url, sizeof out->webhook_url, stmt, 1);
        store_column_copy(out->webhook_secret, sizeof out->webhook_secret, stmt, 2);
        store_column_copy(out->phone, sizeof out->phone, stmt, 3);
        store_column_copy(out->email, sizeof out->email, stmt, 4);
    }
    store_stmt_done(stmt);
    return rc;
}
