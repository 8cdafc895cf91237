// SPDX-License-Identifier: MIT
// The embedded OpenAPI document against the route table the server registers:
// every route has its operation and every operation its route, with the security
// its flags demand (session and roles, CSRF header, API token, or none) and a
// request body exactly when the route reads one (JSON or a photo); the
// document's enums of states, pending requests, actions, roles, stages and
// public codes are the domain's own names; and the document parses and names
// this build's version.
#include "casefsm.h"
#include "casework.h"
#include "openapi.h"
#include "roles.h"
#include "router.h"
#include "server.h"
#include "version.h"
#include "worktime.h"

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static cJSON *document;
static struct server server;

static void setup(void)
{
    document = cJSON_ParseWithLength(OPENAPI_DOCUMENT, OPENAPI_DOCUMENT_SIZE);
    cr_assert_not_null(document, "src/api/openapi.json is not valid JSON");
    cr_assert_eq(server_add_routes(&server), 0);
    cr_assert_gt(server.router.count, 30, "the route table looks empty");
}

static void teardown(void)
{
    cJSON_Delete(document);
}

TestSuite(openapi, .init = setup, .fini = teardown);

// The document's form of a route pattern: "/cases/:id" becomes "/cases/{id}".
static void template_of(const char *pattern, char *out, size_t size)
{
    size_t used = 0;
    for (const char *p = pattern; *p && used + 2 < size; p++) {
        if (*p == ':') {
            size_t len = strcspn(p + 1, "/");
            used += (size_t)snprintf(out + used, size - used, "{%.*s}", (int)len, p + 1);
            p += len;
        } else {
            out[used++] = *p;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

static void lower(const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    out[i] = '\0';
}

// The operation of a route in the document, or NULL.
static const cJSON *operation_of(const struct route *route)
{
    char path[256], method[16];
    template_of(route->pattern, path, sizeof path);
    lower(route->method, method, sizeof method);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(document, "paths"), path);
    return cJSON_GetObjectItemCaseSensitive(item, method);
}

// The security array the route's flags and roles call for, as JSON text.
// The scopes of a token or session requirement name the roles the route admits.
static void expected_security(const struct route *route, char *out, size_t size)
{
    char roles[256] = "";
    size_t used = 0;
    for (unsigned bit = 1; bit < ROLE_SYSTEM; bit <<= 1)
        if (route->roles & bit)
            used += (size_t)snprintf(roles + used, sizeof roles - used, "%s\"%s\"",
                                     used ? "," : "", role_name((enum role)bit));
    if (route->flags & ROUTE_TOKEN)
        snprintf(out, size, "[{\"bearer\":[%s]}]", roles);
    else if (!(route->flags & ROUTE_AUTH))
        snprintf(out, size, "[]");
    else
        snprintf(out, size, "[{\"session\":[%s]%s}]", roles,
                 (route->flags & ROUTE_CSRF) ? ",\"csrf\":[]" : "");
}

Test(openapi, every_route_has_its_operation_with_the_security_of_its_flags)
{
    for (size_t i = 0; i < server.router.count; i++) {
        const struct route *route = server.router.routes[i];
        const cJSON *operation = operation_of(route);
        cr_assert_not_null(operation, "%s %s is not in src/api/openapi.json", route->method,
                           route->pattern);
        char want[512];
        expected_security(route, want, sizeof want);
        char *got = cJSON_PrintUnformatted(cJSON_GetObjectItem(operation, "security"));
        cr_assert_not_null(got, "%s %s has no security in the document", route->method,
                           route->pattern);
        cr_expect_str_eq(got, want, "%s %s: the document's security is %s; the route's flags say %s",
                         route->method, route->pattern, got, want);
        cJSON_free(got);
    }
}

Test(openapi, a_request_body_is_documented_exactly_when_the_route_reads_one)
{
    for (size_t i = 0; i < server.router.count; i++) {
        const struct route *route = server.router.routes[i];
        const cJSON *operation = operation_of(route);
        cr_assert_not_null(operation);
        const cJSON *content =
            cJSON_GetObjectItem(cJSON_GetObjectItem(operation, "requestBody"), "content");
        bool json = cJSON_GetObjectItemCaseSensitive(content, "application/json") != NULL;
        bool photo = cJSON_GetObjectItemCaseSensitive(content, "image/jpeg") != NULL &&
                     cJSON_GetObjectItemCaseSensitive(content, "image/png") != NULL &&
                     cJSON_GetObjectItemCaseSensitive(content, "image/webp") != NULL;
        bool form = cJSON_GetObjectItemCaseSensitive(
                        content, "application/x-www-form-urlencoded") != NULL;
        bool file = cJSON_GetObjectItemCaseSensitive(content, "text/csv") != NULL &&
                    cJSON_GetObjectItemCaseSensitive(
                        content,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") !=
                        NULL &&
                    cJSON_GetObjectItemCaseSensitive(content, "application/octet-stream") != NULL;
        cr_expect_eq(form, (route->flags & ROUTE_FORM) != 0, "%s %s: form body documented: %d",
                     route->method, route->pattern, form);
        cr_expect_eq(json, (route->flags & (ROUTE_JSON | ROUTE_FORM)) != 0,
                     "%s %s: JSON body documented: %d", route->method, route->pattern, json);
        cr_expect_eq(file, (route->flags & ROUTE_FILE) != 0, "%s %s: file body documented: %d",
                     route->method, route->pattern, file);
        cr_expect_eq(photo, (route->flags & ROUTE_UPLOAD) != 0, "%s %s: photo body documented: %d",
                     route->method, route->pattern, photo);
        cr_expect_eq(cJSON_GetArraySize(content), json + form + 3 * photo + 3 * file,
                     "%s %s: another body type is documented", route->method, route->pattern);
    }
}

// True when the router has a route of this method and document path.
static bool routed(const char *method, const char *path)
{
    for (size_t i = 0; i < server.router.count; i++) {
        const struct route *route = server.router.routes[i];
        char template[256], lowered[16];
        template_of(route->pattern, template, sizeof template);
        lower(route->method, lowered, sizeof lowered);
        if (strcmp(template, path) == 0 && strcmp(lowered, method) == 0)
            return true;
    }
    return false;
}

Test(openapi, every_operation_of_the_document_has_its_route)
{
    static const char *const METHODS[] = {"get", "put", "post", "delete", "options",
                                          "head", "patch", "trace"};
    int operations = 0;
    const cJSON *path;
    cJSON_ArrayForEach(path, cJSON_GetObjectItem(document, "paths"))
    {
        int here = 0;
        for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
            if (cJSON_GetObjectItemCaseSensitive(path, METHODS[m]) == NULL)
                continue;
            cr_expect(routed(METHODS[m], path->string), "the document has %s %s; no route does",
                      METHODS[m], path->string);
            here++;
        }
        cr_expect_gt(here, 0, "%s has no operation", path->string);
        operations += here;
    }
    cr_expect_eq((size_t)operations, server.router.count,
                 "%d operations in the document, %zu routes", operations, server.router.count);
}

Test(openapi, the_document_names_this_version)
{
    const cJSON *info = cJSON_GetObjectItem(document, "info");
    cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(info, "version")), CHENGGUAN_VERSION);
    cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(document, "openapi")), "3.1.0");
    cr_expect_eq(strlen(OPENAPI_DOCUMENT), OPENAPI_DOCUMENT_SIZE, "a NUL inside the document");
    cr_expect_eq(strlen(OPENAPI_ETAG), 34, "the ETag is 32 hex digits in quotes: %s", OPENAPI_ETAG);
}

// The enum of components/schemas/NAME (or of its member, when member is not NULL).
static const cJSON *schema_enum(const char *name, const char *member)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItem(cJSON_GetObjectItem(document, "components"), "schemas"), name);
    if (member != NULL)
        schema = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(schema, "properties"), member);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(schema, "enum");
    cr_assert(cJSON_IsArray(list), "components/schemas/%s%s%s has no enum", name,
              member ? "/" : "", member ? member : "");
    return list;
}

static bool enum_has(const cJSON *list, const char *value)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, value) == 0)
            return true;
    }
    return false;
}

// Asserts that the enum holds exactly the count names given by name_of(0..count-1).
static void expect_names(const char *schema, const char *member, int count,
                         const char *(*name_of)(int))
{
    const cJSON *list = schema_enum(schema, member);
    for (int i = 0; i < count; i++)
        cr_expect(enum_has(list, name_of(i)), "%s lacks %s", schema, name_of(i));
    cr_expect_eq(cJSON_GetArraySize(list), count, "%s has %d names, the code %d", schema,
                 cJSON_GetArraySize(list), count);
}

static const char *state_name(int i)
{
    return casefsm_state_name((enum casefsm_state)i);
}

static const char *pending_name(int i)
{
    return casefsm_pending_name((enum casefsm_pending)i);
}

static const char *action_name(int i)
{
    return casefsm_action_name((enum casefsm_action)i);
}

static const char *staff_role_name(int i)
{
    return role_name((enum role)(1 << i)); // the bits below ROLE_SYSTEM
}

static const char *stage_name(int i)
{
    return casework_stage_name((enum casework_stage)i);
}

static const char *unit_name(int i)
{
    return worktime_unit_name((enum worktime_unit)i);
}

static const char *verdict_name(int i)
{
    return casework_verdict_name((enum casework_verdict)i);
}

Test(openapi, the_enums_are_the_domain_names)
{
    expect_names("CaseState", NULL, CASEFSM_STATE_COUNT, state_name);
    expect_names("CasePending", NULL, CASEFSM_PENDING_COUNT, pending_name);
    expect_names("CaseAction", NULL, CASEFSM_ACTION_COUNT, action_name);
    int staff_roles = 0;
    while ((1 << staff_roles) < ROLE_SYSTEM)
        staff_roles++;
    expect_names("Role", NULL, staff_roles, staff_role_name);
    expect_names("Stage", NULL, CASEWORK_STAGE_COUNT, stage_name);
    expect_names("WorkUnit", NULL, WORKTIME_URGENT_HOURS + 1, unit_name);
    expect_names("StageRecord", "verdict", CASEWORK_VOID + 1, verdict_name);
}

Test(openapi, every_public_code_of_the_timeline_is_documented)
{
    const cJSON *timeline = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(document, "components"), "schemas"), "PublicCase");
    timeline = cJSON_GetObjectItem(cJSON_GetObjectItem(timeline, "properties"), "timeline");
    const cJSON *code = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(timeline, "items"), "properties"), "code");
    const cJSON *list = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(code, "anyOf"), 0),
                                            "enum");
    cr_assert(cJSON_IsArray(list), "PublicCase timeline code has no enum");
    for (int a = 0; a < CASEFSM_ACTION_COUNT; a++)
        for (int p = 0; p < CASEFSM_PENDING_COUNT; p++) {
            const char *name = casework_public_code((enum casefsm_action)a, (enum casefsm_pending)p);
            cr_expect(name == NULL || enum_has(list, name), "the timeline code %s is not documented",
                      name);
        }
}
