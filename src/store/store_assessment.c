// SPDX-License-Identifier: MIT
// SQL for the assessment: the groups of a jurisdiction, and the facts of a
// period read on indexes by time (stage records by due time, cases by creation,
// ratings by rating time), each bounded by the caller's jurisdiction as a
// place_path key range on the case.
#include "store_assessment.h"

#include "engine.h"
#include "jurisdiction.h"
#include "store_places.h"

#include <string.h>

#define IN_SCOPE "c.place_path >= :scope_lo AND c.place_path < :scope_hi"

// Stage records by the time they fall due: the deadline, or the end of a record
// that ended while paused (no deadline then). The expression is the one of the
// index case_stage_due (migration 0013), written the same for the planner.
#define STAGE_DUE "coalesce(s.deadline, s.ended_at)"
static const char SQL_STAGES[] =
    "SELECT s.stage, s.verdict, s.outcome, s.round, s.attempt, coalesce(s.deadline, 0), "
    "coalesce(s.ended_at, 0), coalesce(s.unit_id, 0), coalesce(s.ended_by, 0), c.reopen_count, "
    "c.state, c.return_count, c.extension_count, coalesce(c.street_id, 0), "
    "coalesce(c.community_id, 0), coalesce(c.grid_id, 0), c.supervise_count, s.escalated "
    "FROM case_stage s JOIN case_record c ON c.id = s.case_id "
    "WHERE s.stage IN ('file', 'verify', 'dispatch', 'handle', 'check') "
    "AND " STAGE_DUE " >= :from AND " STAGE_DUE " < :to AND " IN_SCOPE;
// Cases by creation time. SQLite is told the index: for a jurisdiction that
// holds the whole city its planner picks case_place and reads every case (at 1M
// cases a month took 7 s instead of 0.2 s); PostgreSQL has no index hints.
#define REPORTS_COLUMNS                                                                            \
    "SELECT c.state, c.source, c.self_handled, coalesce(c.reporter_user_id, 0), "                  \
    "coalesce(c.street_id, 0), coalesce(c.community_id, 0), coalesce(c.grid_id, 0) "
#define REPORTS_WHERE "WHERE c.created_at >= :from AND c.created_at < :to AND " IN_SCOPE
static const char SQL_REPORTS_SQLITE[] =
    REPORTS_COLUMNS "FROM case_record c INDEXED BY case_created " REPORTS_WHERE;
static const char SQL_REPORTS_POSTGRES[] = REPORTS_COLUMNS "FROM case_record c " REPORTS_WHERE;
static const char SQL_RATINGS[] =
    "SELECT r.rating, coalesce(c.department_id, 0), coalesce(c.street_id, 0), "
    "coalesce(c.community_id, 0), coalesce(c.grid_id, 0) "
    "FROM case_rating r JOIN case_record c ON c.id = r.case_id "
    "WHERE r.rated_at >= :from AND r.rated_at < :to AND " IN_SCOPE;

// The groups: places inside the range, with their cells; users whose unit is.
#define UNIT_IN_SCOPE "o.path >= :scope_lo AND o.path < :scope_hi"
static const char SQL_STREETS[] =
    "SELECT o.id, o.code, o.name, 0, (SELECT count(*) FROM grid_cell g JOIN org_unit m "
    "ON m.id = g.community_id WHERE m.parent_id = o.id) "
    "FROM org_unit o WHERE o.type = 'street' AND " UNIT_IN_SCOPE " ORDER BY o.code";
static const char SQL_COMMUNITIES[] =
    "SELECT o.id, o.code, o.name, 0, (SELECT count(*) FROM grid_cell g WHERE g.community_id = "
    "o.id) FROM org_unit o WHERE o.type = 'community' AND " UNIT_IN_SCOPE " ORDER BY o.code";
static const char SQL_GRIDS[] =
    "SELECT g.id, g.code, g.name, 0, 1 FROM grid_cell g JOIN org_unit o ON o.id = g.community_id "
    "WHERE " UNIT_IN_SCOPE " ORDER BY g.code";
static const char SQL_INSPECTORS[] =
    "SELECT u.id, u.username, u.display_name, u.org_unit_id, 0, o.name FROM app_user u "
    "JOIN org_unit o ON o.id = u.org_unit_id WHERE u.role = 'inspector' AND " UNIT_IN_SCOPE
    " ORDER BY u.username";
static const char SQL_OPERATORS[] =
    "SELECT u.id, u.username, u.display_name, u.org_unit_id, 0, o.name FROM app_user u "
    "JOIN org_unit o ON o.id = u.org_unit_id WHERE u.role IN ('operator', 'supervisor') AND "
    UNIT_IN_SCOPE " ORDER BY u.username";

// One text serves both engines but for the reports (INDEXED BY).
const struct store_plan_statement STORE_ASSESSMENT_PLANS[] = {
    {"assessment: stage records due", SQL_STAGES, SQL_STAGES},
    {"assessment: cases reported", SQL_REPORTS_SQLITE, SQL_REPORTS_POSTGRES},
    {"assessment: ratings given", SQL_RATINGS, SQL_RATINGS},
};
const size_t STORE_ASSESSMENT_PLAN_COUNT =
    sizeof STORE_ASSESSMENT_PLANS / sizeof STORE_ASSESSMENT_PLANS[0];

static const char *text_or_empty(struct store_stmt *stmt, int column)
{
    const char *text = store_col_text(stmt, column);
    return text ? text : "";
}

struct department_relay {
    void (*fn)(const struct store_assessment_group *row, void *data);
    void *data;
};

static void relay_department(const struct store_org_unit *unit, void *data)
{
    const struct department_relay *relay = data;
    struct store_assessment_group row = {
        .id = unit->id, .code = unit->code, .name = unit->name, .unit_name = ""};
    relay->fn(&row, relay->data);
}

int store_assessment_groups(struct store *store, const struct jurisdiction *j,
                            enum assessment_group group,
                            void (*fn)(const struct store_assessment_group *row, void *data),
                            void *data)
{
    if (group == ASSESSMENT_DEPARTMENT) {
        struct department_relay relay = {fn, data};
        struct store_org_unit_filter filter = {.jurisdiction = j, .type = "department"};
        return store_org_unit_list(store, &filter, relay_department, &relay);
    }
    static const char *const SQL[ASSESSMENT_GROUP_COUNT] = {
        [ASSESSMENT_STREET] = SQL_STREETS,       [ASSESSMENT_COMMUNITY] = SQL_COMMUNITIES,
        [ASSESSMENT_GRID] = SQL_GRIDS,           [ASSESSMENT_INSPECTOR] = SQL_INSPECTORS,
        [ASSESSMENT_OPERATOR] = SQL_OPERATORS,
    };
    if ((unsigned)group >= ASSESSMENT_GROUP_COUNT)
        return STORE_ERROR;
    struct store_stmt *stmt = store_read_stmt(store, SQL[group]);
    if (stmt == NULL)
        return STORE_ERROR;
    struct jurisdiction_range range;
    jurisdiction_place_range(j, &range);
    store_bind_range(stmt, &range);
    bool users = group == ASSESSMENT_INSPECTOR || group == ASSESSMENT_OPERATOR;
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_assessment_group row = {.id = store_col_int64(stmt, 0),
                                             .code = text_or_empty(stmt, 1),
                                             .name = text_or_empty(stmt, 2),
                                             .unit_id = store_col_int64(stmt, 3),
                                             .cells = store_col_int64(stmt, 4),
                                             .unit_name = users ? text_or_empty(stmt, 5) : ""};
        fn(&row, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

static enum casework_verdict verdict_from_name(const char *name)
{
    for (int v = CASEWORK_RUNNING; v <= CASEWORK_VOID; v++)
        if (strcmp(name, casework_verdict_name(v)) == 0)
            return v;
    return CASEWORK_RUNNING;
}

static void read_stage(struct store_stmt *stmt, struct store_assessment_fact *f)
{
    int state = casefsm_state_from_name(text_or_empty(stmt, 10));
    f->kind = STORE_FACT_STAGE;
    f->stage = (struct assessment_stage_fact){
        .stage = casework_stage_from_name(text_or_empty(stmt, 0)),
        .verdict = verdict_from_name(text_or_empty(stmt, 1)),
        .outcome = text_or_empty(stmt, 2),
        .round = store_col_int(stmt, 3),
        .attempt = store_col_int(stmt, 4),
        .deadline = store_col_int64(stmt, 5),
        .ended_at = store_col_int64(stmt, 6),
        .case_round = store_col_int(stmt, 9) + 1,
        .case_closed = state == CASEFSM_STATE_CLOSED,
        .case_returned = store_col_int(stmt, 11) > 0,
        .case_extended = store_col_int(stmt, 12) > 0,
        .case_supervised = store_col_int(stmt, 16) > 0,
        .auto_supervised = store_col_int(stmt, 17) >= 2, // 2: red, 督办 sent
    };
    f->unit_id = store_col_int64(stmt, 7);
    f->user_id = store_col_int64(stmt, 8);
    f->street_id = store_col_int64(stmt, 13);
    f->community_id = store_col_int64(stmt, 14);
    f->grid_id = store_col_int64(stmt, 15);
}

static void read_report(struct store_stmt *stmt, struct store_assessment_fact *f)
{
    f->kind = STORE_FACT_REPORT;
    f->report = (struct assessment_report_fact){
        .state = casefsm_state_from_name(text_or_empty(stmt, 0)),
        .patrol = strcmp(text_or_empty(stmt, 1), "patrol") == 0,
        .self_handled = store_col_int(stmt, 2) != 0,
    };
    f->user_id = store_col_int64(stmt, 3);
    f->street_id = store_col_int64(stmt, 4);
    f->community_id = store_col_int64(stmt, 5);
    f->grid_id = store_col_int64(stmt, 6);
}

static void read_rating(struct store_stmt *stmt, struct store_assessment_fact *f)
{
    f->kind = STORE_FACT_RATING;
    f->rating = text_or_empty(stmt, 0);
    f->unit_id = store_col_int64(stmt, 1);
    f->street_id = store_col_int64(stmt, 2);
    f->community_id = store_col_int64(stmt, 3);
    f->grid_id = store_col_int64(stmt, 4);
}

// Streams one statement's facts to fn.
static int stream(struct store *store, const char *sql, const struct jurisdiction_range *range,
                  int64_t from, int64_t to,
                  void (*read)(struct store_stmt *, struct store_assessment_fact *),
                  void (*fn)(const struct store_assessment_fact *, void *), void *data)
{
    struct store_stmt *stmt = store_read_stmt(store, sql);
    if (stmt == NULL)
        return STORE_ERROR;
    store_bind_range(stmt, range);
    store_bind_int(stmt, ":from", from);
    store_bind_int(stmt, ":to", to);
    int rc;
    while ((rc = store_step(stmt)) == STORE_ROW) {
        struct store_assessment_fact fact = {0};
        read(stmt, &fact);
        fn(&fact, data);
    }
    store_stmt_done(stmt);
    return rc == STORE_DONE ? STORE_OK : STORE_ERROR;
}

int store_assessment_facts(struct store *store, const struct jurisdiction *j, int64_t from,
                           int64_t to,
                           void (*fn)(const struct store_assessment_fact *fact, void *data),
                           void *data)
{
    struct jurisdiction_range range;
    jurisdiction_case_range(j, &range);
    if (stream(store, SQL_STAGES, &range, from, to, read_stage, fn, data) != STORE_OK ||
        stream(store, store_sql(store, SQL_REPORTS_SQLITE, SQL_REPORTS_POSTGRES), &range, from, to,
               read_report, fn, data) != STORE_OK ||
        stream(store, SQL_RATINGS, &range, from, to, read_rating, fn, data) != STORE_OK)
        return STORE_ERROR;
    return STORE_OK;
}
