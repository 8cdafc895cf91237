// SPDX-License-Identifier: MIT
// `chengguan org-unit add --code C --type T --name N [--name-en E] [--parent P]
// [--kind K]`: the command-line twin of POST /api/v1/admin/org-units, with the
// same code and nesting rules (store_org_unit_code_fits), recorded in the
// admin audit log as the system. A new city starts here: its city unit, then
// its first admin (`chengguan user add`), then everything else over the API.
#include "setup_command.h"

#include "cli.h"
#include "store.h"
#include "store_admin.h"
#include "store_places.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

// Creates the unit the options describe. Returns the exit status.
static int add_unit(struct store *store, const char *code, const char *type, const char *name,
                    const char *name_en, const char *parent_code, const char *kind)
{
    struct store_org_unit parent = {0}, unit = {0};
    if (parent_code != NULL && store_org_unit_find(store, parent_code, &parent) != STORE_OK) {
        fprintf(stderr, "chengguan org-unit add: no org unit %s (--parent)\n", parent_code);
        return 1;
    }
    if (!store_org_unit_code_fits(type, code, parent_code ? &parent : NULL)) {
        fprintf(stderr,
                "chengguan org-unit add: %s is no %s code under %s (parent: %s); city 440900, "
                "district 440902, street 440902001, community 440902001001, department "
                "440902-D01: see README, Setting up a city\n",
                code, type, parent_code ? parent_code : "no parent",
                strcmp(type, "city") == 0 ? "none" : store_org_unit_parent_type(type));
        return 1;
    }
    snprintf(unit.code, sizeof unit.code, "%s", code);
    snprintf(unit.type, sizeof unit.type, "%s", type);
    snprintf(unit.name, sizeof unit.name, "%s", name);
    snprintf(unit.name_en, sizeof unit.name_en, "%s", name_en ? name_en : "");
    snprintf(unit.department_kind, sizeof unit.department_kind, "%s", kind ? kind : "");
    unit.parent_id = parent.id;
    const struct store_actor actor = {0, "system", "chengguan org-unit add"};
    int64_t id = 0;
    int rc = store_org_unit_create_as(store, &actor, &unit, &id);
    if (rc == STORE_CONFLICT)
        fprintf(stderr, "chengguan org-unit add: the code %s is taken\n", code);
    else if (rc == STORE_INVALID)
        fprintf(stderr, "chengguan org-unit add: refused: a name is needed, and a department "
                        "needs --kind ([a-z_]) while a place takes none\n");
    else if (rc != STORE_OK)
        fprintf(stderr, "chengguan org-unit add: could not store the unit\n");
    else
        printf("added %s %s (%s), id %lld\n", type, code, name, (long long)id);
    return rc == STORE_OK ? 0 : 1;
}

int org_unit_command(int argc, char **argv)
{
    struct cli_store_options common = {.data_dir = ".data"};
    const char *code = NULL, *type = NULL, *name = NULL, *name_en = NULL, *parent = NULL,
               *kind = NULL;
    const struct cli_option options[] = {
        CLI_STORE_OPTIONS(&common),
        {"--code", NULL, CLI_STRING, &code, "GB/T 2260 code (city 440900, street 440902001, ...)"},
        {"--type", NULL, CLI_STRING, &type, "city, district, street, community or department"},
        {"--name", NULL, CLI_STRING, &name, "the Chinese name, e.g. 茂名市"},
        {"--name-en", NULL, CLI_STRING, &name_en, "the English name"},
        {"--parent", NULL, CLI_STRING, &parent, "the parent's code (every type but a city)"},
        {"--kind", NULL, CLI_STRING, &kind, "departments: municipal, sanitation, ..."},
    };
    const char *positional[1];
    int count = 0;
    int rc = cli_parse("org-unit",
                       "org-unit add --code CODE --type TYPE --name NAME [--name-en N] "
                       "[--parent CODE] [--kind KIND]",
                       options, sizeof options / sizeof options[0], argc, argv, 2, positional, 1,
                       &count, stdout);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (count != 1 || strcmp(positional[0], "add") != 0 || code == NULL || type == NULL ||
        name == NULL || store_org_unit_parent_type(type) == NULL) {
        fprintf(stderr, "chengguan org-unit: expected add --code CODE --type "
                        "city|district|street|community|department --name NAME\n");
        return 2;
    }
    char path[PATH_MAX];
    struct store *store = cli_open_store(&common, true, path, sizeof path);
    if (store == NULL)
        return 1;
    rc = add_unit(store, code, type, name, name_en, parent, kind);
    store_close(store);
    return rc;
}
