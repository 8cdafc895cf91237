// SPDX-License-Identifier: MIT
// The demo city's gazetteer: a plausible road network of central Maonan (named
// roads, house numbers along them, landmarks, blocks between the roads, the
// 小东江 and 好心湖) laid over the demo cells near 21.66 N 110.92 E. Invented
// where the real layout is not known; for demonstrations and tests only.
#ifndef CHENGGUAN_DEMO_GAZETTEER_H
#define CHENGGUAN_DEMO_GAZETTEER_H

struct store;

// Imports the demo gazetteer through store_gazetteer_import (one write job).
// Returns STORE_OK, or the store's failure.
int demo_gazetteer_seed(struct store *store);

#endif
