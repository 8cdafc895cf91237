// SPDX-License-Identifier: MIT
// `chengguan copy --from LOCATION --to LOCATION`: moves a whole city between
// databases of any engine (store_copy) and prints what arrived.
#ifndef CHENGGUAN_COPY_COMMAND_H
#define CHENGGUAN_COPY_COMMAND_H

// Runs the command (argv[1] is "copy"). Returns the exit status: 0 copied and
// verified, 1 refused or failed (the target left as it was), 2 bad usage.
int copy_command(int argc, char **argv);

#endif
