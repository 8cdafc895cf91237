// SPDX-License-Identifier: MIT
// Staff roles (src/domain/README.md, "Roles") as bit flags, so a route or a
// transition can carry a mask of the roles it admits. Citizens have no account and
// no role bit.
#ifndef CHENGGUAN_ROLES_H
#define CHENGGUAN_ROLES_H

enum role {
    ROLE_NONE = 0,
    ROLE_INSPECTOR = 1 << 0,  // 监督员/网格员
    ROLE_OPERATOR = 1 << 1,   // 受理员/接线员
    ROLE_SUPERVISOR = 1 << 2, // 值班长/派遣员
    ROLE_DEPARTMENT = 1 << 3, // 处置单位
    ROLE_LEADER = 1 << 4,     // 领导
    ROLE_ADMIN = 1 << 5,      // 管理员
    ROLE_SYSTEM = 1 << 6,     // the program itself (e.g. a citizen's unsatisfied rating)
};

#define ROLE_ANY_STAFF                                                                             \
    (ROLE_INSPECTOR | ROLE_OPERATOR | ROLE_SUPERVISOR | ROLE_DEPARTMENT | ROLE_LEADER | ROLE_ADMIN)

// Returns the role for its lowercase English name ("inspector"...), ROLE_NONE if unknown.
enum role role_from_name(const char *name);

// Returns the lowercase English name of one role bit; "none" for anything else.
// The string is static; the caller must not free it.
const char *role_name(enum role role);

#endif
