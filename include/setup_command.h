// SPDX-License-Identifier: MIT
// `chengguan org-unit add`: creates an org unit on the server, the first step
// of setting a city up (the city itself, before its first admin exists).
#ifndef CHENGGUAN_SETUP_COMMAND_H
#define CHENGGUAN_SETUP_COMMAND_H

// Runs the command (argv[1] is "org-unit"). Returns the exit status: 0 created,
// 1 refused (code taken, rule broken) or failed, 2 bad usage.
int org_unit_command(int argc, char **argv);

#endif
