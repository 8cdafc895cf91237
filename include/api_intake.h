// SPDX-License-Identifier: MIT
// What every intake shares, lent to the intakes outside api_intake.c (Open311):
// placing an intake on the grid and guessing its category, and filing it as
// the signed-in staff member or API token.
#ifndef CHENGGUAN_API_INTAKE_H
#define CHENGGUAN_API_INTAKE_H

struct case_intake;
struct request;
struct store_case;

// What api_intake_place found.
enum api_intake_place_result {
    API_INTAKE_PLACED,  // in a cell (or outside every cell: filed unplaced)
    API_INTAKE_OUTSIDE, // in a cell outside the filer's jurisdiction: refuse it
};

// Completes an intake whose description and location (has_location, lat, lon,
// address) are read: guesses the category from the description when
// in->category_id is 0 (left 0 when nothing fits), and fills the cell and its
// places when lat/lon lie in one. A signed-in filer (req->user) may file only
// inside their jurisdiction: API_INTAKE_OUTSIDE then, with that cell's code in
// grid_code (16 bytes). Replies nothing.
enum api_intake_place_result api_intake_place(struct request *req, struct case_intake *in,
                                              char grid_code[16]);

// Files the intake as the signed-in user (req->user, a session or an API
// token): reporter, event actor and the jurisdiction that receives a case no
// cell holds, then store_case_create. Returns its result, *out the case (or the
// existing one on STORE_CONFLICT).
int api_intake_create(struct request *req, struct case_intake *in, struct store_case *out);

#endif
