// SPDX-License-Identifier: MIT
// Names of the staff roles, for the database, the API and the command line, and
// which role a machine client's token may act as.
#include "roles.h"

#include <string.h>

static const struct {
    enum role role;
    const char *name;
} ROLE_NAMES[] = {
    {ROLE_INSPECTOR, "inspector"},   {ROLE_OPERATOR, "operator"}, {ROLE_SUPERVISOR, "supervisor"},
    {ROLE_DEPARTMENT, "department"}, {ROLE_LEADER, "leader"},     {ROLE_ADMIN, "admin"},
    {ROLE_SYSTEM, "system"},
};

enum role role_from_name(const char *name)
{
    if (name == NULL)
        return ROLE_NONE;
    for (size_t i = 0; i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++)
        if (strcmp(ROLE_NAMES[i].name, name) == 0)
            return ROLE_NAMES[i].role;
    return ROLE_NONE;
}

const char *role_name(enum role role)
{
    for (size_t i = 0; i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++)
        if (ROLE_NAMES[i].role == role)
            return ROLE_NAMES[i].name;
    return "none";
}

bool role_may_hold_token(enum role role)
{
    // One bit, inside the mask: a combination is not a role an account has.
    return role != ROLE_NONE && (role & (role - 1)) == 0 && (role & ROLE_HOTLINE_PLATFORM) == role;
}
