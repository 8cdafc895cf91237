// SPDX-License-Identifier: MIT
// Store conformance, staff accounts (store_users.h): users with their org unit
// and place, lookups by id and by username (any case), password, disabling and
// updates that end sessions, the jurisdiction-bound list, sessions with their
// CSRF token and sliding activity, API tokens of hotline platforms, and org
// units looked up inside a jurisdiction.
#include "fixture.h"

#include "store_places.h"
#include "store_users.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite(users, .init = conf_setup, .fini = conf_teardown);

static int64_t make_user(const char *username, enum role role, int64_t unit, int expect)
{
    struct store_user user = {.role = role, .org_unit_id = unit};
    snprintf(user.username, sizeof user.username, "%s", username);
    snprintf(user.display_name, sizeof user.display_name, "用户 %s", username);
    snprintf(user.phone, sizeof user.phone, "13900000000");
    int64_t id = -1;
    cr_assert_eq(store_user_create(store, &user, "$argon2id$v=19$hash-of-secret", &id), expect,
                 "create %s", username);
    return id;
}

Test(users, a_user_is_stored_with_their_unit_and_place)
{
    int64_t before = store_now_ms();
    int64_t id = make_user("zhang.san", ROLE_INSPECTOR, city.community_b, STORE_OK);
    cr_expect_gt(id, 0);
    struct store_user u;
    cr_assert_eq(store_user_get(store, id, &u), STORE_OK);
    cr_expect_eq(u.id, id);
    cr_expect_str_eq(u.username, "zhang.san");
    cr_expect_str_eq(u.display_name, "用户 zhang.san");
    cr_expect_eq(u.role, ROLE_INSPECTOR);
    cr_expect_eq(u.org_unit_id, city.community_b);
    cr_expect_str_eq(u.org_unit_code, "440902002001");
    cr_expect_str_eq(u.org_unit_type, "community");
    cr_expect_str_eq(u.org_unit_name, "新华社区");
    cr_expect_str_eq(u.phone, "13900000000");
    cr_expect_not(u.disabled);
    cr_expect_geq(u.created_at, before);
    struct jurisdiction j;
    cr_assert(jurisdiction_init(&j, u.role, u.id, u.org_unit_id, u.scope_path));
    struct store_org_unit community, street1;
    cr_assert_eq(store_org_unit_get(store, city.community_b, &community), STORE_OK);
    cr_assert_eq(store_org_unit_get(store, city.street1, &street1), STORE_OK);
    cr_expect(jurisdiction_covers_path(&j, community.path), "their place is their unit");
    cr_expect_not(jurisdiction_covers_path(&j, street1.path));

    // A department's place is the place it belongs to.
    cr_assert_eq(store_user_get(store, city.office1_user, &u), STORE_OK);
    cr_expect_str_eq(u.org_unit_type, "department");
    cr_assert(jurisdiction_init(&j, u.role, u.id, u.org_unit_id, u.scope_path));
    cr_expect_eq(j.department_id, city.office1);
    cr_expect(jurisdiction_covers_path(&j, street1.path));
    struct store_org_unit community_a;
    cr_assert_eq(store_org_unit_get(store, city.community_a, &community_a), STORE_OK);
    cr_expect(jurisdiction_covers_path(&j, community_a.path));
    cr_expect_not(jurisdiction_covers_path(&j, community.path), "not the other street's");

    cr_expect_eq(store_user_get(store, id + 1000, &u), STORE_NOT_FOUND);
}

Test(users, usernames_are_unique_in_any_case_and_units_must_exist)
{
    make_user("Li.Si", ROLE_OPERATOR, city.district, STORE_OK);
    int64_t count = store_user_count(store);
    make_user("li.si", ROLE_OPERATOR, city.district, STORE_CONFLICT);
    make_user("wang", ROLE_OPERATOR, 999999, STORE_INVALID);
    cr_expect_eq(store_user_count(store), count, "nothing stored");
    struct store_user u;
    char hash[128];
    cr_assert_eq(store_user_get_by_username(store, "LI.SI", &u, hash, sizeof hash), STORE_OK);
    cr_expect_str_eq(u.username, "Li.Si");
    cr_expect_str_eq(hash, "$argon2id$v=19$hash-of-secret");
    cr_expect_eq(store_user_get_by_username(store, "nobody", &u, hash, sizeof hash),
                 STORE_NOT_FOUND);
}

static void token_of(unsigned char token[STORE_HASH_BYTES], unsigned char seed)
{
    for (int i = 0; i < STORE_HASH_BYTES; i++)
        token[i] = (unsigned char)(seed * 31 + i);
}

static int64_t open_session(int64_t user_id, unsigned char seed)
{
    unsigned char token[STORE_HASH_BYTES];
    token_of(token, seed);
    int64_t now = store_now_ms();
    cr_assert_eq(store_session_create(store, token, user_id, "csrf-token-value", now, now + 3600000,
                                      "192.0.2.1"),
                 STORE_OK);
    struct store_session s;
    struct store_user u;
    cr_assert_eq(store_session_lookup(store, token, &s, &u), STORE_OK);
    return s.id;
}

static bool session_alive(unsigned char seed)
{
    unsigned char token[STORE_HASH_BYTES];
    token_of(token, seed);
    struct store_session s;
    struct store_user u;
    return store_session_lookup(store, token, &s, &u) == STORE_OK;
}

Test(users, sessions_carry_their_user_csrf_token_and_activity)
{
    unsigned char token[STORE_HASH_BYTES];
    token_of(token, 1);
    int64_t now = store_now_ms();
    cr_assert_eq(
        store_session_create(store, token, city.supervisor, "csrf-abc", now, now + 3600000, NULL),
        STORE_OK);
    struct store_session s;
    struct store_user u;
    cr_assert_eq(store_session_lookup(store, token, &s, &u), STORE_OK);
    cr_expect_gt(s.id, 0);
    cr_expect_str_eq(s.csrf_token, "csrf-abc");
    cr_expect_eq(s.created_at, now);
    cr_expect_eq(s.last_seen_at, now);
    cr_expect_eq(s.expires_at, now + 3600000);
    cr_expect_eq(u.id, city.supervisor);
    cr_expect_eq(u.role, ROLE_SUPERVISOR);
    cr_expect_eq(store_session_touch(store, s.id, now + 5000), STORE_OK);
    cr_assert_eq(store_session_lookup(store, token, &s, &u), STORE_OK);
    cr_expect_eq(s.last_seen_at, now + 5000);
    unsigned char other[STORE_HASH_BYTES];
    token_of(other, 2);
    cr_expect_eq(store_session_lookup(store, other, &s, &u), STORE_NOT_FOUND);
    cr_expect_eq(store_session_delete(store, token), STORE_OK);
    cr_expect_eq(store_session_lookup(store, token, &s, &u), STORE_NOT_FOUND);
    cr_expect_eq(store_session_delete(store, token), STORE_OK, "deleting twice is fine");
}

Test(users, a_disabled_users_sessions_end_and_lookups_still_find_them)
{
    open_session(city.inspector, 3);
    open_session(city.inspector, 4);
    open_session(city.supervisor, 5);
    cr_assert_eq(store_user_set_disabled(store, city.inspector, true), STORE_OK);
    cr_expect_not(session_alive(3));
    cr_expect_not(session_alive(4));
    cr_expect(session_alive(5), "other users keep theirs");
    struct store_user u;
    cr_assert_eq(store_user_get(store, city.inspector, &u), STORE_OK);
    cr_expect(u.disabled, "a disabled user is still loaded");
    cr_assert_eq(store_user_set_disabled(store, city.inspector, false), STORE_OK);
    cr_assert_eq(store_user_get(store, city.inspector, &u), STORE_OK);
    cr_expect_not(u.disabled);
    open_session(city.inspector, 6);
    unsigned char token[STORE_HASH_BYTES];
    token_of(token, 6);
    struct store_session s;
    cr_assert_eq(store_user_set_disabled(store, city.supervisor, true), STORE_OK);
    cr_assert_eq(store_session_lookup(store, token, &s, &u), STORE_OK);
    cr_expect_eq(u.id, city.inspector);
}

Test(users, a_new_password_ends_every_session)
{
    open_session(city.leader, 7);
    cr_assert_eq(store_user_set_password(store, city.leader, "$argon2id$new"), STORE_OK);
    cr_expect_not(session_alive(7));
    struct store_user u;
    char hash[128];
    cr_assert_eq(store_user_get_by_username(store, "leader", &u, hash, sizeof hash), STORE_OK);
    cr_expect_str_eq(hash, "$argon2id$new");
    cr_expect_eq(store_user_set_password(store, 999999, "$argon2id$x"), STORE_NOT_FOUND);
}

Test(users, an_update_changes_the_account_in_one_go_and_ends_sessions)
{
    open_session(city.inspector, 8);
    struct store_user u;
    cr_assert_eq(store_user_get(store, city.inspector, &u), STORE_OK);
    snprintf(u.display_name, sizeof u.display_name, "巡查员乙");
    snprintf(u.phone, sizeof u.phone, "13700000000");
    u.role = ROLE_SUPERVISOR;
    u.org_unit_id = city.street1;
    cr_assert_eq(store_user_update(store, &u, "$argon2id$changed", 1, true, 0), STORE_OK);
    cr_expect_not(session_alive(8), "old privileges must not live on");
    struct store_user after;
    char hash[128];
    cr_assert_eq(store_user_get_by_username(store, "inspector", &after, hash, sizeof hash),
                 STORE_OK);
    cr_expect_str_eq(after.display_name, "巡查员乙");
    cr_expect_str_eq(after.phone, "13700000000");
    cr_expect_eq(after.role, ROLE_SUPERVISOR);
    cr_expect_eq(after.org_unit_id, city.street1);
    cr_expect_str_eq(after.org_unit_code, "440902001");
    cr_expect(after.disabled);
    cr_expect_str_eq(hash, "$argon2id$changed");
    // NULL keeps the password, -1 the disabled flag.
    cr_assert_eq(store_user_update(store, &after, NULL, -1, false, 0), STORE_OK);
    cr_assert_eq(store_user_get_by_username(store, "inspector", &after, hash, sizeof hash),
                 STORE_OK);
    cr_expect_str_eq(hash, "$argon2id$changed");
    cr_expect(after.disabled);
    // A unit that does not exist changes nothing.
    struct store_user bad = after;
    bad.org_unit_id = 999999;
    snprintf(bad.display_name, sizeof bad.display_name, "不该保存");
    cr_expect_eq(store_user_update(store, &bad, "$argon2id$bad", 0, true, 0), STORE_INVALID);
    cr_assert_eq(store_user_get_by_username(store, "inspector", &after, hash, sizeof hash),
                 STORE_OK);
    cr_expect_str_eq(after.display_name, "巡查员乙");
    cr_expect_str_eq(hash, "$argon2id$changed");
    cr_expect(after.disabled);
    bad.id = 999999;
    bad.org_unit_id = city.street1;
    cr_expect_eq(store_user_update(store, &bad, NULL, -1, false, 0), STORE_NOT_FOUND);
}

Test(users, an_update_ends_the_sessions_it_is_told_to_and_no_others)
{
    int64_t first = open_session(city.leader, 20);
    open_session(city.leader, 21);
    open_session(city.supervisor, 22);
    struct store_user u;
    cr_assert_eq(store_user_get(store, city.leader, &u), STORE_OK);
    snprintf(u.phone, sizeof u.phone, "13600000000");
    cr_assert_eq(store_user_update(store, &u, NULL, -1, false, 0), STORE_OK);
    cr_expect(session_alive(20), "a new phone number keeps the sessions");
    cr_expect(session_alive(21));
    cr_assert_eq(store_user_update(store, &u, "$argon2id$own", -1, true, first), STORE_OK);
    cr_expect(session_alive(20), "the session kept");
    cr_expect_not(session_alive(21), "every other session of the user ends");
    cr_expect(session_alive(22), "other users keep theirs");
    cr_assert_eq(store_user_update(store, &u, NULL, -1, true, 0), STORE_OK);
    cr_expect_not(session_alive(20));
}

struct user_ids {
    int64_t id[32];
    size_t n;
};

static void collect_user(const struct store_user *user, void *data)
{
    struct user_ids *ids = data;
    if (ids->n < 32)
        ids->id[ids->n] = user->id;
    ids->n++;
}

static struct user_ids users_in(const struct jurisdiction *j, int64_t after, int limit)
{
    struct user_ids ids = {.n = 0};
    cr_assert_eq(store_user_list(store, j, after, limit, collect_user, &ids), STORE_OK);
    for (size_t i = 1; i < ids.n; i++)
        cr_expect_gt(ids.id[i], ids.id[i - 1], "ordered by id");
    return ids;
}

Test(users, the_list_is_bounded_by_jurisdiction_and_paged_by_id)
{
    int64_t street2_inspector = make_user("xinhua", ROLE_INSPECTOR, city.community_b, STORE_OK);
    int64_t office2_user = make_user("office2", ROLE_DEPARTMENT, city.office2, STORE_OK);
    struct jurisdiction everywhere;
    jurisdiction_init_everywhere(&everywhere);
    struct user_ids all = users_in(&everywhere, 0, 100);
    cr_expect_eq(all.n, 10);
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    struct user_ids mine = users_in(&street, 0, 100);
    const int64_t want[] = {city.inspector, city.street1_supervisor, city.office1_user};
    cr_assert_eq(mine.n, COUNT_OF(want), "street 1's community, itself and its office");
    for (size_t i = 0; i < COUNT_OF(want); i++)
        cr_expect(conf_has(mine.id, mine.n, want[i]));
    cr_expect_not(conf_has(mine.id, mine.n, street2_inspector));
    cr_expect_not(conf_has(mine.id, mine.n, office2_user));
    cr_expect_not(conf_has(mine.id, mine.n, city.supervisor), "the district is above the street");
    struct user_ids page = users_in(&everywhere, all.id[2], 3);
    cr_assert_eq(page.n, 3);
    cr_expect_eq(page.id[0], all.id[3]);
    cr_expect_eq(users_in(NULL, 0, 100).n, 0, "no jurisdiction: nobody");
    cr_expect_eq(store_user_count(store), 10);
}

Test(users, api_tokens_act_as_a_user_on_a_channel)
{
    unsigned char token[STORE_HASH_BYTES], other[STORE_HASH_BYTES];
    token_of(token, 20);
    token_of(other, 21);
    cr_assert_eq(store_token_create(store, "12345-platform", "12345", token, city.operator_user),
                 STORE_OK);
    cr_expect_eq(store_token_create(store, "12345-platform", "12345", other, city.operator_user),
                 STORE_CONFLICT, "a name is taken once");
    cr_expect_eq(store_token_create(store, "ghost", "110", other, 999999), STORE_INVALID);
    struct store_user u;
    char channel[16] = "";
    cr_assert_eq(store_token_lookup(store, token, &u, channel, sizeof channel, NULL), STORE_OK);
    cr_expect_eq(u.id, city.operator_user);
    cr_expect_eq(u.role, ROLE_OPERATOR);
    cr_expect_str_eq(channel, "12345");
    cr_expect_eq(store_token_lookup(store, other, &u, channel, sizeof channel, NULL), STORE_NOT_FOUND,
                 "refused tokens were not stored");
}

Test(users, org_units_are_found_only_inside_a_jurisdiction)
{
    struct jurisdiction street = conf_jurisdiction(city.street1_supervisor);
    int64_t id = 0;
    cr_assert_eq(store_org_unit_in_scope(store, "440902001001", &street, &id), STORE_OK);
    cr_expect_eq(id, city.community_a);
    cr_assert_eq(store_org_unit_in_scope(store, "440902001-D01", &street, &id), STORE_OK);
    cr_expect_eq(id, city.office1, "its own street's office");
    cr_expect_eq(store_org_unit_in_scope(store, "440902002001", &street, &id), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_in_scope(store, "440902002-D01", &street, &id), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_in_scope(store, "440902", &street, &id), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_in_scope(store, "440902001001", NULL, &id), STORE_NOT_FOUND);
    cr_expect_eq(store_org_unit_in_scope(store, "999999", &street, &id), STORE_NOT_FOUND);
}
