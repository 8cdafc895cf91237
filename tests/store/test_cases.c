// SPDX-License-Identifier: MIT
// Store conformance, cases (store_cases.h): intake with its number, place,
// first stage and first event; idempotent hotline tickets; unplaced cases and
// their placement; loading by id and number; one transition per call with stale
// versions and refusals that change nothing; the event log and its hash chain.
#include "fixture.h"

#include "store_categories.h"
#include "store_places.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(cases, .init = conf_setup, .fini = conf_teardown);

// Everything a refused write must leave as it was.
struct snapshot {
    struct store_case c;
    size_t events, stages;
    int64_t chain;
};

static struct snapshot snap(int64_t id)
{
    return (struct snapshot){conf_get(id), conf_events(id, NULL, 0), conf_stages(id, NULL, 0),
                             conf_audit_count()};
}

static void expect_unchanged(const struct snapshot *before)
{
    struct snapshot after = snap(before->c.id);
    cr_expect_eq(after.c.version, before->c.version, "version unchanged");
    cr_expect_eq(after.c.state, before->c.state, "state unchanged");
    cr_expect_eq(after.c.department_id, before->c.department_id);
    cr_expect_eq(after.c.updated_at, before->c.updated_at, "not touched");
    cr_expect_eq(after.c.stage_deadline, before->c.stage_deadline);
    cr_expect_eq(after.events, before->events, "no event appended");
    cr_expect_eq(after.stages, before->stages, "no stage record written");
    cr_expect_eq(after.chain, before->chain, "the chain did not grow");
}

Test(cases, intake_numbers_places_times_and_logs_a_case)
{
    int64_t before = store_now_ms();
    struct store_case c = conf_report("人行道上有暴露垃圾", city.grid_a1, "event", "0102");
    cr_expect_gt(c.id, 0);
    cr_expect_eq(strlen(c.case_no), 14, "YYYYMMDD + 6 digits: %s", c.case_no);
    char day[16];
    snprintf(day, sizeof day, "%08d", worktime_local_date(&city.calendar, c.created_at));
    cr_expect_eq(strncmp(c.case_no, day, 8), 0, "numbered on its local day: %s", c.case_no);
    cr_expect_eq(c.state, CASEFSM_STATE_REPORTED);
    cr_expect_eq(c.pending, CASEFSM_PENDING_NONE);
    cr_expect_eq(c.version, 1);
    cr_expect_str_eq(c.source, "patrol");
    cr_expect_str_eq(c.description, "人行道上有暴露垃圾");
    cr_expect_str_eq(c.address, "站前路1号");
    cr_expect_str_eq(c.category_tree, "event");
    cr_expect_str_eq(c.category_code, "0102");
    cr_expect_str_eq(c.category_name_zh, "暴露垃圾");
    cr_expect(c.has_location);
    cr_expect_eq(c.grid_id, city.grid_a1);
    cr_expect_str_eq(c.grid_code, "440902001001001");
    cr_expect_eq(c.community_id, city.community_a);
    cr_expect_eq(c.street_id, city.street1);
    cr_expect_eq(c.district_id, city.district);
    cr_expect_str_eq(c.community_name, "站前社区");
    cr_expect_str_eq(c.street_name, "红旗街道");
    cr_expect_not(c.needs_placement);
    struct store_org_unit community;
    cr_assert_eq(store_org_unit_get(store, city.community_a, &community), STORE_OK);
    cr_expect_str_eq(c.place_path, community.path, "a case's place is its community");
    cr_expect_eq(c.reporter_user_id, city.inspector);
    cr_expect_str_eq(c.reporter_name, "巡查员甲");
    cr_expect_geq(c.created_at, before);
    cr_expect_leq(c.created_at, store_now_ms());
    cr_expect_eq(c.updated_at, c.created_at);
    cr_expect_str_eq(c.stage, "file", "a reported case is timed for filing");
    cr_expect_eq(c.stage_started_at, c.created_at);
    cr_expect_gt(c.stage_deadline, c.created_at);
    cr_expect_gt(c.stage_limit_ms, 0);
    cr_expect_eq(c.department_id, 0);
    cr_expect_eq(c.handling_deadline, 0);
    cr_expect_eq(c.closed_at, 0);

    struct store_case_stage stages[4];
    cr_assert_eq(conf_stages(c.id, stages, COUNT_OF(stages)), 1);
    cr_expect_eq(stages[0].record.stage, CASEWORK_STAGE_FILE);
    cr_expect_eq(stages[0].record.verdict, CASEWORK_RUNNING);
    cr_expect_eq(stages[0].record.started_at, c.created_at);
    cr_expect_eq(stages[0].record.deadline, c.stage_deadline);
    cr_expect_eq(stages[0].record.unit_id, city.street1, "the street's centre files it");

    struct store_case_event events[2];
    cr_assert_eq(conf_events(c.id, events, COUNT_OF(events)), 1);
    cr_expect_str_eq(events[0].action, "report");
    cr_expect_str_eq(events[0].from_state, "");
    cr_expect_str_eq(events[0].to_state, "reported");
    cr_expect_eq(events[0].actor_user_id, city.inspector);
    cr_expect_str_eq(events[0].actor_role, "inspector");
    cr_expect_eq(events[0].created_at, c.created_at);
    cr_expect_eq(strlen(events[0].hash), 64);
    cr_expect_eq(conf_audit_count(), 1);
}

Test(cases, case_numbers_follow_each_other_within_a_day)
{
    struct store_case a = conf_report("第一件", city.grid_a1, NULL, NULL);
    struct store_case b = conf_report("第二件", city.grid_a2, NULL, NULL);
    cr_expect_str_neq(a.case_no, b.case_no);
    if (strncmp(a.case_no, b.case_no, 8) == 0)
        cr_expect_gt(strcmp(b.case_no, a.case_no), 0, "%s then %s", a.case_no, b.case_no);
    cr_expect_eq(b.category_id, 0, "a case may come without a category");
    cr_expect_str_eq(b.category_code, "");
}

Test(cases, get_by_id_and_by_number)
{
    struct store_case c = conf_report("井盖缺失", city.grid_a2, "component", "0103");
    struct store_case found;
    cr_assert_eq(store_case_get(store, c.id, &found), STORE_OK);
    cr_expect_str_eq(found.case_no, c.case_no);
    cr_expect_eq(found.version, c.version);
    cr_assert_eq(store_case_get_by_no(store, c.case_no, &found), STORE_OK);
    cr_expect_eq(found.id, c.id);
    cr_expect(found.urgent == false, "urgency comes from the intake, not the category");
    cr_expect_eq(store_case_get(store, c.id + 1000, &found), STORE_NOT_FOUND);
    cr_expect_eq(store_case_get_by_no(store, "20000101000001", &found), STORE_NOT_FOUND);
}

Test(cases, intake_refuses_an_unknown_category_and_writes_nothing)
{
    struct case_intake intake;
    conf_intake(&intake, "不知道是什么", city.grid_a1);
    struct store_category major;
    cr_assert_eq(store_category_find(store, "event", "0102", &major), STORE_OK);
    struct store_case c;
    intake.category_id = 999999;
    cr_expect_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_INVALID);
    intake.category_id = major.major_id; // a major class is no category to file under
    cr_expect_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_INVALID);
    cr_expect_eq(conf_audit_count(), 0, "nothing was written");
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    int64_t ids[4];
    cr_expect_eq(conf_list_all((struct store_case_filter){.jurisdiction = &everywhere, .limit = 4},
                               ids, COUNT_OF(ids)),
                 0);
}

Test(cases, a_repeated_hotline_ticket_is_the_same_case_and_writes_nothing)
{
    struct case_intake intake;
    conf_intake(&intake, "市民来电：井盖缺失", city.grid_a1);
    intake.source = "12345";
    intake.external_id = "GD-2026-0001";
    intake.reporter_user_id = city.operator_user;
    intake.actor_role = "operator";
    intake.citizen_name = "王先生";
    intake.citizen_phone = "13800000000";
    struct store_case first, again;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &first), STORE_OK);
    cr_expect_str_eq(first.external_id, "GD-2026-0001");
    cr_expect_str_eq(first.citizen_name, "王先生");
    cr_expect_str_eq(first.citizen_phone, "13800000000");
    int64_t chain = conf_audit_count();

    intake.description = "重复推送的工单，内容不同";
    cr_expect_eq(store_case_create(store, &city.calendar, &intake, &again), STORE_CONFLICT);
    cr_expect_eq(again.id, first.id, "*out is the existing case");
    cr_expect_str_eq(again.case_no, first.case_no);
    cr_expect_str_eq(again.description, "市民来电：井盖缺失", "the first intake stands");
    cr_expect_eq(again.version, first.version);
    cr_expect_eq(conf_audit_count(), chain, "no event written");
    cr_expect_eq(conf_events(first.id, NULL, 0), 1);
    cr_expect_eq(conf_stages(first.id, NULL, 0), 1);

    // The ticket number is unique per channel, not across channels.
    intake.source = "12319";
    struct store_case other;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &other), STORE_OK);
    cr_expect_neq(other.id, first.id);
    cr_expect_str_eq(other.source, "12319");
    struct store_case next = conf_report("下一件", city.grid_a2, NULL, NULL);
    cr_expect_eq(strncmp(next.case_no, other.case_no, 8) != 0 ||
                     strcmp(next.case_no, other.case_no) > 0,
                 1, "numbers keep increasing after a repeated ticket");
}

Test(cases, a_citizen_case_keeps_its_query_code_hash)
{
    unsigned char code_hash[STORE_CASE_QUERY_CODE_HASH];
    for (size_t i = 0; i < sizeof code_hash; i++)
        code_hash[i] = (unsigned char)(i * 7 + 1);
    struct case_intake intake;
    conf_intake(&intake, "小区门口垃圾成堆", city.grid_b1);
    intake.source = "web";
    intake.reporter_user_id = 0;
    intake.actor_role = "citizen";
    intake.actor_name = "citizen";
    intake.query_code_hash = code_hash;
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    cr_expect_eq(c.reporter_user_id, 0);
    int64_t id = 0;
    unsigned char stored[STORE_CASE_QUERY_CODE_HASH];
    cr_assert_eq(store_case_query_code(store, c.case_no, &id, stored), STORE_OK);
    cr_expect_eq(id, c.id);
    cr_expect_arr_eq(stored, code_hash, sizeof code_hash);
    struct store_case staff = conf_report("巡查上报", city.grid_a1, NULL, NULL);
    cr_expect_eq(store_case_query_code(store, staff.case_no, &id, stored), STORE_NOT_FOUND,
                 "a staff case has no query code");
    cr_expect_eq(store_case_query_code(store, "19990101000001", &id, stored), STORE_NOT_FOUND);
}

Test(cases, a_case_fixed_on_the_spot_starts_closed_with_its_photos_and_no_stage_running)
{
    struct case_intake intake;
    conf_intake(&intake, "小广告已当场清除", city.grid_a1);
    struct store_case c;
    int64_t events_before = conf_audit_count();
    intake.self_handled = true;
    cr_expect_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_INVALID,
                 "a fix on the spot without before and after photos");
    cr_expect_eq(conf_audit_count(), events_before, "nothing written");
    conf_fix_on_the_spot(&intake);
    const struct case_intake_photo *photos = intake.photos;
    // Another user's upload is not the reporter's evidence.
    struct case_intake other = intake;
    other.reporter_user_id = city.supervisor;
    cr_expect_eq(store_case_create(store, &city.calendar, &other, &c), STORE_INVALID);
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    cr_expect_eq(c.state, CASEFSM_STATE_CLOSED);
    cr_expect(c.self_handled);
    cr_expect_eq(c.closed_at, c.created_at);
    cr_expect_eq(c.stage_deadline, 0);
    cr_expect_eq(conf_stages(c.id, NULL, 0), 0);
    struct store_case_event events[4];
    cr_assert_eq(conf_events(c.id, events, 4), 3, "filed, then one attach per photo");
    cr_expect_str_eq(events[0].action, "self-handle");
    cr_expect_str_eq(events[0].to_state, "closed");
    cr_expect_str_eq(events[1].action, "attach");
    struct store_attachment_counts counts;
    cr_assert_eq(store_attachment_counts(store, c.id, "before", photos[0].hash, &counts), STORE_OK);
    cr_expect(counts.present);
    cr_expect_eq(counts.total, 2);
    // An upload is attached once: it is no longer held.
    cr_expect(!store_upload_held(store, city.inspector, photos[0].hash, 0));
    conf_intake(&other, "再次提交", city.grid_a1);
    other.self_handled = true;
    other.photos = photos;
    other.photo_count = 2;
    cr_expect_eq(store_case_create(store, &city.calendar, &other, &c), STORE_INVALID);
}

Test(cases, an_unplaced_case_lands_in_the_fallback_place_or_the_only_district)
{
    struct store_org_unit district, street1;
    cr_assert_eq(store_org_unit_get(store, city.district, &district), STORE_OK);
    cr_assert_eq(store_org_unit_get(store, city.street1, &street1), STORE_OK);

    // A point in no cell, filed by the street supervisor: inside their street.
    struct case_intake intake;
    conf_intake(&intake, "城外某处", 0);
    intake.has_location = true;
    intake.lon = conf_lon(5);
    intake.lat = conf_lat(5);
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, intake.lon, intake.lat, &where), STORE_NOT_FOUND);
    intake.fallback_place_path = street1.path;
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    cr_expect(c.needs_placement);
    cr_expect(c.has_location);
    cr_expect_eq(c.grid_id, 0);
    cr_expect_eq(c.community_id, 0);
    cr_expect_str_eq(c.place_path, street1.path);

    // No fallback (a citizen): the city's only district.
    intake.fallback_place_path = NULL;
    intake.has_location = false;
    struct store_case d;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &d), STORE_OK);
    cr_expect(d.needs_placement);
    cr_expect_not(d.has_location);
    cr_expect_str_eq(d.place_path, district.path);
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    cr_expect(jurisdiction_may_read_case(&street, 0, c.place_path));
    cr_expect_not(jurisdiction_may_read_case(&street, 0, d.place_path));
}

Test(cases, placing_a_case_moves_it_into_its_cell_once)
{
    struct case_intake intake;
    conf_intake(&intake, "位置不明", 0);
    struct store_case c;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &c), STORE_OK);
    cr_assert(c.needs_placement);
    double lon, lat;
    conf_cell_centre(city.grid_b1, &lon, &lat);
    struct store_grid_location where;
    cr_assert_eq(store_grid_locate(store, lon, lat, &where), STORE_OK);
    struct case_placement p = {
        .case_id = c.id,
        .expected_version = c.version,
        .lat = lat,
        .lon = lon,
        .address = "新华路8号",
        .grid_id = where.grid_id,
        .community_id = where.community_id,
        .street_id = where.street_id,
        .district_id = where.district_id,
        .actor_user_id = city.supervisor,
        .actor_role = "supervisor",
        .actor_name = "值班长",
    };
    struct store_case placed;
    cr_assert_eq(store_case_place(store, &p, &placed), STORE_OK);
    cr_expect_not(placed.needs_placement);
    cr_expect_eq(placed.version, c.version + 1);
    cr_expect_eq(placed.grid_id, city.grid_b1);
    cr_expect_eq(placed.street_id, city.street2);
    cr_expect_str_eq(placed.address, "新华路8号");
    cr_expect(placed.has_location);
    cr_expect_str_eq(placed.place_path, where.place_path, "jurisdiction follows the community");
    cr_expect_eq(placed.state, c.state, "placing is no transition");
    struct store_case_event events[3];
    cr_assert_eq(conf_events(c.id, events, COUNT_OF(events)), 2);
    cr_expect_str_eq(events[1].action, "place");
    cr_expect_eq(events[1].actor_user_id, city.supervisor);

    // The same placement again carries a stale version: nothing changes.
    struct store_case stale;
    p.address = NULL;
    cr_expect_eq(store_case_place(store, &p, &stale), STORE_CONFLICT);
    struct store_case now = conf_get(c.id);
    cr_expect_eq(now.version, placed.version);
    cr_expect_str_eq(now.address, "新华路8号");
    cr_expect_eq(conf_events(c.id, NULL, 0), 2);
    p.case_id = c.id + 1000;
    cr_expect_eq(store_case_place(store, &p, &stale), STORE_NOT_FOUND);
}

Test(cases, a_transition_saves_the_case_and_appends_one_event)
{
    struct store_case c = conf_report("道路不洁", city.grid_a1, "event", "0104");
    int64_t version = c.version;
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT,
                                       .urgent = 1,
                                       .note = "立案",
                                       .public_note = "已受理",
                                       .data_json = "{\"channel\":\"test\"}"});
    cr_expect_eq(c.state, CASEFSM_STATE_ACCEPTED);
    cr_expect_eq(c.version, version + 1);
    cr_expect(c.urgent, "accept sets urgency");
    cr_expect_str_eq(c.category_code, "0104", "accept keeps the category when none is given");
    cr_expect_str_eq(c.stage, "dispatch");
    struct store_case stored = conf_get(c.id);
    cr_expect_eq(stored.version, c.version, "*out is what is stored");
    cr_expect_eq(stored.state, c.state);
    cr_expect_eq(stored.stage_deadline, c.stage_deadline);
    struct store_case_event events[3];
    cr_assert_eq(conf_events(c.id, events, COUNT_OF(events)), 2);
    cr_expect_str_eq(events[1].action, "accept");
    cr_expect_str_eq(events[1].from_state, "reported");
    cr_expect_str_eq(events[1].to_state, "accepted");
    cr_expect_eq(events[1].actor_user_id, city.supervisor);
    cr_expect_str_eq(events[1].actor_role, "supervisor");
    cr_expect_str_eq(events[1].actor_name, "值班长");
    cr_expect_str_eq(events[1].note, "立案");
    cr_expect_str_eq(events[1].public_note, "已受理");
    cr_expect_not_null(strstr(events[1].data, "\"channel\":\"test\""), "the caller's facts: %s",
                       events[1].data);
    cr_expect_gt(events[1].id, events[0].id);
    cr_expect_str_neq(events[1].hash, events[0].hash);
    cr_expect_eq(conf_audit_count(), 2);

    // Accepting with another category files it there.
    struct store_case d = conf_report("其他", city.grid_a1, NULL, NULL);
    conf_must(&d, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT,
                                       .category_id = conf_category("event", "0506"),
                                       .urgent = -1});
    cr_expect_str_eq(d.category_code, "0506");
    cr_expect_not(d.urgent, "-1 keeps urgency");
}

Test(cases, a_stale_version_is_a_conflict_that_changes_nothing)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    struct store_case old = c;
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    struct snapshot before = snap(c.id);
    // A second supervisor acts on the page they loaded before the accept.
    struct case_refusal refusal = {.message = ""};
    cr_expect_eq(conf_act(&old, city.supervisor,
                          (struct case_transition){.action = CASEFSM_ACTION_REJECT, .note = "重复"},
                          &refusal),
                 STORE_CONFLICT);
    expect_unchanged(&before);
    // The same with a version from the future.
    struct store_case future = c;
    future.version += 5;
    cr_expect_eq(conf_act(&future, city.supervisor,
                          (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                                   .department_id = city.municipal},
                          NULL),
                 STORE_CONFLICT);
    expect_unchanged(&before);
}

Test(cases, a_missing_case_is_not_found)
{
    struct store_case ghost = {.id = 424242, .version = 1};
    cr_expect_eq(conf_act(&ghost, city.supervisor,
                          (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1},
                          NULL),
                 STORE_NOT_FOUND);
    cr_expect_eq(conf_audit_count(), 0);
}

// Expects the store to refuse t on c with `error` (and field), changing nothing.
static void expect_refused(struct store_case *c, int64_t user, struct case_transition t,
                           enum casework_error error, const char *field)
{
    struct snapshot before = snap(c->id);
    struct case_refusal refusal = {.error = CASEWORK_OK, .message = ""};
    struct store_case copy = *c;
    cr_assert_eq(conf_act(&copy, user, t, &refusal), STORE_INVALID, "%s should be refused",
                 casefsm_action_name(t.action));
    cr_expect_eq(refusal.error, error, "%s: error %d, want %d (%s)", casefsm_action_name(t.action),
                 refusal.error, error, refusal.message);
    if (field != NULL)
        cr_expect(refusal.field != NULL && strcmp(refusal.field, field) == 0, "field %s, want %s",
                  refusal.field ? refusal.field : "(null)", field);
    cr_expect_neq(refusal.message[0], '\0', "a refusal says why");
    expect_unchanged(&before);
}

Test(cases, refused_transitions_fill_the_refusal_and_change_nothing)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    expect_refused(&c, city.municipal_user,
                   (struct case_transition){.action = CASEFSM_ACTION_CLOSE}, CASEWORK_ERR_ROLE,
                   NULL);
    expect_refused(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_CLOSE},
                   CASEWORK_ERR_STATE, NULL);
    expect_refused(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_REJECT},
                   CASEWORK_ERR_MISSING, "note");
    expect_refused(&c, city.supervisor,
                   (struct case_transition){
                       .action = CASEFSM_ACTION_ACCEPT, .category_id = 999999, .urgent = -1},
                   CASEWORK_ERR_INVALID, "category_id");
    expect_refused(&c, city.supervisor,
                   (struct case_transition){.action = CASEFSM_ACTION_MERGE, .target_case_id = c.id},
                   CASEWORK_ERR_INVALID, "target_case_id");
    conf_must(&c, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    // Street 2's office does not serve a case in street 1; a community is no department.
    expect_refused(
        &c, city.supervisor,
        (struct case_transition){.action = CASEFSM_ACTION_DISPATCH, .department_id = city.office2},
        CASEWORK_ERR_INVALID, "department_id");
    expect_refused(&c, city.supervisor,
                   (struct case_transition){.action = CASEFSM_ACTION_DISPATCH,
                                            .department_id = city.community_a},
                   CASEWORK_ERR_INVALID, "department_id");
    expect_refused(&c, city.supervisor, (struct case_transition){.action = CASEFSM_ACTION_DISPATCH},
                   CASEWORK_ERR_MISSING, "department_id");
    conf_must(
        &c, city.supervisor,
        (struct case_transition){.action = CASEFSM_ACTION_DISPATCH, .department_id = city.office1});
    cr_expect_eq(c.department_id, city.office1, "street 1's office serves street 1");
    conf_must(&c, city.office1_user, (struct case_transition){.action = CASEFSM_ACTION_SIGN});
    // Handling needs a result note and an "after" photo of this round.
    expect_refused(&c, city.office1_user,
                   (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已处理"},
                   CASEWORK_ERR_MISSING, "photo");
    conf_photo(c.id, "before", city.office1_user, NULL);
    expect_refused(&c, city.office1_user,
                   (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已处理"},
                   CASEWORK_ERR_MISSING, "photo");
    conf_photo(c.id, "after", city.office1_user, NULL);
    expect_refused(&c, city.office1_user, (struct case_transition){.action = CASEFSM_ACTION_HANDLE},
                   CASEWORK_ERR_MISSING, "note");
    conf_must(&c, city.office1_user,
              (struct case_transition){.action = CASEFSM_ACTION_HANDLE, .note = "已处理"});
    cr_expect_eq(c.state, CASEFSM_STATE_HANDLED);
}

Test(cases, the_audit_chain_covers_every_event_of_every_case)
{
    struct store_case a = conf_report("甲", city.grid_a1, "event", "0102");
    struct store_case b = conf_report("乙", city.grid_b1, "event", "0102");
    conf_must(&a, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_ACCEPT, .urgent = -1});
    conf_must(&b, city.supervisor,
              (struct case_transition){.action = CASEFSM_ACTION_REJECT, .note = "不属实"});
    conf_must(&a, city.leader,
              (struct case_transition){.action = CASEFSM_ACTION_SUPERVISE, .note = "尽快处理"});
    cr_expect_eq(a.supervise_count, 1);
    cr_expect_eq(b.state, CASEFSM_STATE_REJECTED);
    int64_t count = -1;
    cr_expect_eq(store_audit_verify(store, &count), 0, "intact");
    cr_expect_eq(count, 5);
    struct store_case_event events[4];
    cr_assert_eq(conf_events(a.id, events, COUNT_OF(events)), 3);
    cr_expect_str_eq(events[2].action, "supervise");
    cr_expect_str_eq(events[2].from_state, "accepted");
    cr_expect_str_eq(events[2].to_state, "accepted");
    for (size_t i = 1; i < 3; i++)
        cr_expect_geq(events[i].created_at, events[i - 1].created_at, "oldest first");
    cr_expect_eq(conf_events(424242, NULL, 0), 0, "a missing case has no events");
}
