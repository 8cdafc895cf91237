// SPDX-License-Identifier: MIT
// The program's version, reported by `chengguan version` and /api/v1/meta.
#ifndef CHENGGUAN_VERSION_H
#define CHENGGUAN_VERSION_H

#define CHENGGUAN_VERSION "0.1.0"

#endif
