// SPDX-License-Identifier: MIT
// Store conformance, photos (store_attachments.h): the pure rules (hashes,
// stages, which cases take photos), the content-addressed files, and the rows:
// counts, caps, a repeat that writes nothing, the open-case rule checked again
// in the write, reuse of one photo on other cases, and the listings.
#include "fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(attachments, .init = conf_setup, .fini = conf_teardown);

Test(attachments, hashes_and_stages)
{
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    store_attachment_hash("", 0, hash);
    cr_expect_str_eq(hash, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
                     "BLAKE2b-256 of nothing");
    store_attachment_hash("abc", 3, hash);
    cr_expect_str_eq(hash, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    cr_expect(store_attachment_hash_valid(hash));
    char upper[STORE_ATTACHMENT_HASH_LEN + 1];
    memcpy(upper, hash, sizeof upper);
    upper[0] = 'B';
    cr_expect_not(store_attachment_hash_valid(upper));
    cr_expect_not(store_attachment_hash_valid(hash + 1), "63 characters");
    cr_expect_not(store_attachment_hash_valid("../etc/passwd"));
    cr_expect_not(store_attachment_hash_valid(NULL));
    const char *stages[] = {"report", "before", "after", "verify", "check", "arrive", "progress"};
    for (size_t i = 0; i < COUNT_OF(stages); i++)
        cr_expect(store_attachment_stage_valid(stages[i]), "%s", stages[i]);
    cr_expect_not(store_attachment_stage_valid("Report"));
    cr_expect_not(store_attachment_stage_valid(""));
    cr_expect_not(store_attachment_stage_valid(NULL));
}

Test(attachments, which_cases_take_photos)
{
    int64_t now = store_now_ms(), window = STORE_ATTACHMENT_SELF_HANDLED_WINDOW_MS;
    for (int s = 0; s < CASEFSM_STATE_COUNT; s++) {
        bool open = casefsm_state_is_open((enum casefsm_state)s);
        cr_expect_eq(store_attachment_allowed((enum casefsm_state)s, false, 0, now, "report"), open,
                     "%s", casefsm_state_name((enum casefsm_state)s));
    }
    cr_expect_not(store_attachment_allowed(CASEFSM_STATE_REPORTED, false, 0, now, "later"));
    // Fixed on the spot: before and after photos for a day after closing.
    cr_expect(store_attachment_allowed(CASEFSM_STATE_CLOSED, true, now - 1000, now, "after"));
    cr_expect(store_attachment_allowed(CASEFSM_STATE_CLOSED, true, now - window, now, "before"));
    cr_expect_not(
        store_attachment_allowed(CASEFSM_STATE_CLOSED, true, now - window - 1, now, "after"));
    cr_expect_not(store_attachment_allowed(CASEFSM_STATE_CLOSED, true, now - 1000, now, "report"));
    cr_expect_not(store_attachment_allowed(CASEFSM_STATE_CLOSED, false, now - 1000, now, "after"));
    cr_expect_not(store_attachment_allowed(CASEFSM_STATE_REJECTED, true, now, now, "after"));
}

// The names in dir, other than . and .., joined by spaces.
static void list_dir(const char *dir, char *out, size_t size)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "", e->d_name);
    closedir(d);
}

Test(attachments, files_are_stored_by_their_hash)
{
    unsigned char data[100];
    char hash[STORE_ATTACHMENT_HASH_LEN + 1];
    conf_photo_bytes(data, sizeof data, hash);
    cr_assert_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), 0);
    cr_assert_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), 0,
                 "saving the same bytes again is fine");
    char dir[700], names[512];
    snprintf(dir, sizeof dir, "%s/photos/%.2s", conf_data_dir, hash);
    list_dir(dir, names, sizeof names);
    cr_expect_str_eq(names, hash, "one file named by its hash, no temporary left");
    uint64_t size = 0;
    int fd = store_attachment_open_file(conf_data_dir, hash, &size);
    cr_assert_geq(fd, 0);
    cr_expect_eq(size, sizeof data);
    unsigned char back[sizeof data];
    cr_expect_eq(read(fd, back, sizeof back), (ssize_t)sizeof back);
    cr_expect_arr_eq(back, data, sizeof data);
    close(fd);
    char other[STORE_ATTACHMENT_HASH_LEN + 1];
    conf_photo_bytes(data, sizeof data, other);
    cr_expect_eq(store_attachment_open_file(conf_data_dir, other, &size), -1, "never saved");
    cr_expect_eq(store_attachment_open_file(conf_data_dir, "../../etc/passwd", &size), -1);
    cr_expect_eq(store_attachment_save_file(store, conf_data_dir, "not-a-hash", data, sizeof data),
                 STORE_ERROR);
    // No row names the file: it stays while either save holds it, and goes with
    // the last release (an upload refused after its file was written).
    char path[800];
    snprintf(path, sizeof path, "%s/%s", dir, hash);
    store_attachment_release_file(store, conf_data_dir, hash);
    cr_expect_eq(access(path, F_OK), 0, "another save still holds it");
    store_attachment_release_file(store, conf_data_dir, hash);
    cr_expect_neq(access(path, F_OK), 0, "a file nothing names is removed");
}

// The number of names in dir other than . and ..
static int count_dir(const char *dir)
{
    char names[2048];
    list_dir(dir, names, sizeof names);
    int n = names[0] ? 1 : 0;
    for (const char *p = names; *p; p++)
        n += *p == ' ';
    return n;
}

Test(attachments, a_file_that_cannot_be_written_fails_and_leaves_nothing)
{
    unsigned char data[100];
    char hash[STORE_ATTACHMENT_HASH_LEN + 1], dir[700], path[800];
    // A truncated file under the photo's name is written again in full.
    conf_photo_bytes(data, sizeof data, hash);
    snprintf(dir, sizeof dir, "%s/photos/%.2s", conf_data_dir, hash);
    snprintf(path, sizeof path, "%s/%s", dir, hash);
    cr_assert_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), 0);
    cr_assert_eq(truncate(path, 10), 0);
    cr_assert_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), 0);
    uint64_t size = 0;
    int fd = store_attachment_open_file(conf_data_dir, hash, &size);
    cr_assert_geq(fd, 0);
    cr_expect_eq(size, sizeof data, "the short file was replaced");
    close(fd);
    store_attachment_release_file(store, conf_data_dir, hash);
    store_attachment_release_file(store, conf_data_dir, hash);
    // A directory where the photo's file belongs: the save fails, no temporary
    // file is left, and opening it is refused.
    conf_photo_bytes(data, sizeof data, hash);
    snprintf(dir, sizeof dir, "%s/photos/%.2s", conf_data_dir, hash);
    snprintf(path, sizeof path, "%s/%s", dir, hash);
    mkdir(dir, 0755);
    cr_assert_eq(mkdir(path, 0755), 0);
    int before = count_dir(dir);
    cr_expect_eq(store_attachment_save_file(store, conf_data_dir, hash, data, sizeof data), -1);
    cr_expect_eq(count_dir(dir), before, "no temporary file left behind");
    cr_expect_eq(store_attachment_open_file(conf_data_dir, hash, &size), -1, "not a file");
    rmdir(path);
    // A data directory whose photos folder is a file, or too long a path.
    char blocked[700], blocked_photos[720];
    snprintf(blocked, sizeof blocked, "%s/blocked", conf_data_dir);
    cr_assert_eq(mkdir(blocked, 0755), 0);
    snprintf(blocked_photos, sizeof blocked_photos, "%s/photos", blocked);
    FILE *f = fopen(blocked_photos, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_expect_eq(store_attachment_save_file(store, blocked, hash, data, sizeof data), -1);
    static char long_dir[5000];
    memset(long_dir, 'd', sizeof long_dir - 1);
    cr_expect_eq(store_attachment_save_file(store, long_dir, hash, data, sizeof data), -1);
    cr_expect_eq(store_attachment_open_file(long_dir, hash, &size), -1);
}

// Attaches the photo `hash` (size 64) to a case with caps; returns the result.
static int attach(int64_t case_id, const char *hash, const char *stage, int max_total,
                  int max_in_stage, struct store_attachment_outcome *out)
{
    struct store_attachment_new photo = {
        .case_id = case_id,
        .hash = hash,
        .mime = "image/png",
        .size = 64,
        .stage = stage,
        .uploaded_by = city.inspector,
        .actor_role = "inspector",
        .actor_name = "巡查员甲",
        .max_total = max_total,
        .max_in_stage = max_in_stage,
    };
    return store_attachment_add(store, &photo, out);
}

static const char *fresh_hash(char hash[STORE_ATTACHMENT_HASH_LEN + 1])
{
    unsigned char data[64];
    conf_photo_bytes(data, sizeof data, hash);
    return hash;
}

struct photo_rows {
    char hash[8][STORE_ATTACHMENT_HASH_LEN + 1];
    char stage[8][12];
    int64_t size[8], created_at[8];
    size_t n;
};

static void collect_photo(const char *hash, const char *mime, int64_t size, const char *stage,
                          int64_t created_at, void *data)
{
    struct photo_rows *rows = data;
    cr_expect_str_eq(mime, "image/png");
    if (rows->n < 8) {
        snprintf(rows->hash[rows->n], sizeof rows->hash[0], "%s", hash);
        snprintf(rows->stage[rows->n], sizeof rows->stage[0], "%s", stage);
        rows->size[rows->n] = size;
        rows->created_at[rows->n] = created_at;
    }
    rows->n++;
}

Test(attachments, photos_are_counted_capped_and_listed)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    char h1[65], h2[65], h3[65];
    struct store_attachment_outcome out;
    cr_assert_eq(attach(c.id, fresh_hash(h1), "report", 3, 2, &out), STORE_OK);
    cr_expect(out.created);
    cr_expect_eq(out.reused_count, 0);
    cr_assert_eq(attach(c.id, fresh_hash(h2), "report", 3, 2, &out), STORE_OK);
    size_t events = conf_events(c.id, NULL, 0);
    cr_expect_eq(events, 3, "each new photo logs an attach event");

    struct store_attachment_counts counts;
    cr_assert_eq(store_attachment_counts(store, c.id, "report", h1, &counts), STORE_OK);
    cr_expect_eq(counts.total, 2);
    cr_expect_eq(counts.in_stage, 2);
    cr_expect(counts.present);
    cr_assert_eq(store_attachment_counts(store, c.id, "before", NULL, &counts), STORE_OK);
    cr_expect_eq(counts.in_stage, 0);
    cr_expect_not(counts.present);

    // The same photo at the same stage again: a success that writes nothing.
    cr_assert_eq(attach(c.id, h1, "report", 3, 2, &out), STORE_OK);
    cr_expect_not(out.created);
    cr_expect_eq(conf_events(c.id, NULL, 0), events);
    // The stage cap, then the case cap.
    cr_expect_eq(attach(c.id, fresh_hash(h3), "report", 3, 2, &out), STORE_INVALID);
    cr_expect_eq(out.limit, 2);
    cr_expect_not(out.created);
    cr_assert_eq(attach(c.id, h3, "before", 3, 2, &out), STORE_OK);
    cr_expect_eq(attach(c.id, h2, "after", 3, 2, &out), STORE_INVALID);
    cr_expect_eq(out.limit, 3);
    cr_assert_eq(store_attachment_counts(store, c.id, "after", NULL, &counts), STORE_OK);
    cr_expect_eq(counts.total, 3, "a refused photo is not stored");

    struct photo_rows rows = {.n = 0};
    cr_assert_eq(store_case_attachments(store, c.id, collect_photo, &rows), STORE_OK);
    cr_assert_eq(rows.n, 3);
    cr_expect_str_eq(rows.hash[0], h1);
    cr_expect_str_eq(rows.hash[1], h2);
    cr_expect_str_eq(rows.hash[2], h3);
    cr_expect_str_eq(rows.stage[2], "before");
    cr_expect_eq(rows.size[0], 64);
    cr_expect_geq(rows.created_at[1], rows.created_at[0], "in the order attached");
    char mime[32];
    int64_t size = 0;
    cr_assert_eq(store_attachment_get(store, h1, mime, sizeof mime, &size), STORE_OK);
    cr_expect_str_eq(mime, "image/png");
    cr_expect_eq(size, 64);
    char unknown[65];
    cr_expect_eq(store_attachment_get(store, fresh_hash(unknown), mime, sizeof mime, &size),
                 STORE_NOT_FOUND);
}

Test(attachments, bad_photos_and_closed_cases_are_refused)
{
    struct store_case c = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    char h[65];
    struct store_attachment_outcome out;
    cr_expect_eq(attach(c.id, "nothex", "report", 0, 0, &out), STORE_INVALID);
    cr_expect_eq(attach(c.id, fresh_hash(h), "later", 0, 0, &out), STORE_INVALID);
    cr_expect_eq(attach(c.id + 1000, h, "report", 0, 0, &out), STORE_NOT_FOUND);
    struct store_attachment_new typeless = {.case_id = c.id, .hash = h, .size = 64,
                                            .stage = "report", .uploaded_by = city.inspector,
                                            .actor_role = "inspector", .actor_name = "x"};
    cr_expect_eq(store_attachment_add(store, &typeless, &out), STORE_INVALID, "no type");
    conf_close(&c);
    size_t events = conf_events(c.id, NULL, 0);
    cr_expect_eq(attach(c.id, h, "after", 0, 0, &out), STORE_CONFLICT,
                 "a closed case takes no photos");
    cr_expect_eq(conf_events(c.id, NULL, 0), events);
    char mime[32];
    int64_t size;
    cr_expect_eq(store_attachment_get(store, h, mime, sizeof mime, &size), STORE_NOT_FOUND,
                 "nothing written");

    struct case_intake intake;
    conf_intake(&intake, "当场处置", city.grid_a2);
    conf_fix_on_the_spot(&intake);
    struct store_case fixed;
    cr_assert_eq(store_case_create(store, &city.calendar, &intake, &fixed), STORE_OK);
    cr_expect_eq(attach(fixed.id, h, "after", 0, 0, &out), STORE_OK,
                 "fixed on the spot: after photos within the day");
    cr_expect_eq(attach(fixed.id, fresh_hash(h), "report", 0, 0, &out), STORE_CONFLICT);
}

struct case_ids {
    int64_t id[8];
    size_t n, stop_after;
};

static bool collect_case(int64_t case_id, void *data)
{
    struct case_ids *ids = data;
    if (ids->n < 8)
        ids->id[ids->n] = case_id;
    ids->n++;
    return ids->stop_after > 0 && ids->n >= ids->stop_after;
}

Test(attachments, one_photo_on_two_cases_is_flagged_as_reused)
{
    struct store_case a = conf_report("暴露垃圾", city.grid_a1, "event", "0102");
    struct store_case b = conf_report("暴露垃圾", city.grid_a2, "event", "0102");
    struct store_case c = conf_report("暴露垃圾", city.grid_b1, "event", "0102");
    char h[65];
    struct store_attachment_outcome out;
    // Two citizens sending one picture of one problem: duplicates, not reuse.
    cr_assert_eq(attach(a.id, fresh_hash(h), "report", 0, 0, &out), STORE_OK);
    cr_assert_eq(attach(b.id, h, "report", 0, 0, &out), STORE_OK);
    cr_expect_eq(out.reused_count, 0);
    cr_expect_not(conf_get(a.id).photo_reused);
    // The same picture as evidence on a third case is reuse of both.
    cr_assert_eq(attach(c.id, h, "verify", 0, 0, &out), STORE_OK);
    cr_expect(out.created);
    cr_assert_eq(out.reused_count, 2);
    cr_expect_eq(out.reused_id[0], a.id);
    cr_expect_eq(out.reused_id[1], b.id);
    cr_expect_str_eq(out.reused_case_no[0], a.case_no);
    cr_expect(conf_get(a.id).photo_reused);
    cr_expect(conf_get(b.id).photo_reused);
    cr_expect(conf_get(c.id).photo_reused);
    struct store_case_event events[8];
    size_t n = conf_events(a.id, events, COUNT_OF(events));
    cr_expect_str_eq(events[n - 1].action, "flag-photo-reuse");

    struct case_ids seen = {.n = 0, .stop_after = 0};
    cr_assert_eq(store_attachment_cases(store, h, collect_case, &seen), STORE_OK);
    cr_assert_eq(seen.n, 3);
    cr_expect(seen.id[0] == a.id && seen.id[1] == b.id && seen.id[2] == c.id, "in id order");
    seen = (struct case_ids){.n = 0, .stop_after = 1};
    cr_assert_eq(store_attachment_cases(store, h, collect_case, &seen), STORE_OK);
    cr_expect_eq(seen.n, 1, "fn returning true stops the walk");
    seen = (struct case_ids){.n = 0, .stop_after = 0};
    cr_assert_eq(store_attachment_cases(store, fresh_hash(h), collect_case, &seen), STORE_OK);
    cr_expect_eq(seen.n, 0);
}

Test(attachments, on_site_evidence_already_on_the_case_is_refused_and_flagged)
{
    struct store_case c = conf_report("人行道垃圾", city.grid_a1, NULL, NULL);
    char h[STORE_ATTACHMENT_HASH_LEN + 1];
    struct store_attachment_outcome out;
    cr_assert_eq(attach(c.id, fresh_hash(h), "after", 0, 0, &out), STORE_OK);
    cr_expect(out.created && !out.refused);
    int64_t events = conf_events(c.id, NULL, 0);
    for (int i = 0; i < 2; i++) {
        const char *stage = i == 0 ? "check" : "verify";
        cr_assert_eq(attach(c.id, h, stage, 0, 0, &out), STORE_OK, "%s", stage);
        cr_expect(out.refused, "the %s photo is the after photo again", stage);
        cr_expect(!out.created);
        cr_expect_str_eq(out.refused_stage, "after");
        struct store_attachment_counts counts;
        cr_assert_eq(store_attachment_counts(store, c.id, stage, h, &counts), STORE_OK);
        cr_expect(!counts.present, "nothing attached at %s", stage);
    }
    struct store_case now = conf_get(c.id);
    cr_expect(now.photo_reused, "the case is flagged");
    cr_expect_eq(conf_events(c.id, NULL, 0), events + 2, "one flag-photo-reuse event each");
    // A before photo reused as after is the department's business, not refused.
    cr_assert_eq(attach(c.id, h, "before", 0, 0, &out), STORE_OK);
    cr_expect(out.created && !out.refused);
}

Test(attachments, an_upload_is_held_for_its_uploader_only)
{
    char h[STORE_ATTACHMENT_HASH_LEN + 1];
    fresh_hash(h);
    int64_t now = store_now_ms();
    cr_expect(!store_upload_held(store, city.inspector, h, now - STORE_UPLOAD_HOLD_MS));
    cr_assert_eq(store_upload_add(store, city.inspector, h, "image/png", 64), STORE_OK);
    cr_expect(store_upload_held(store, city.inspector, h, now - STORE_UPLOAD_HOLD_MS));
    cr_expect(!store_upload_held(store, city.supervisor, h, 0), "another user's upload");
    cr_expect(!store_upload_held(store, city.inspector, h, store_now_ms() + 1000),
              "older than the hold");
    cr_expect_eq(store_upload_add(store, city.inspector, "nothex", "image/png", 64), STORE_INVALID);
    cr_expect_eq(store_upload_add(store, 0, h, "image/png", 64), STORE_INVALID);
    cr_expect_eq(store_upload_add(store, city.inspector, h, NULL, 64), STORE_INVALID);
    char mime[32];
    int64_t size = 0;
    cr_assert_eq(store_attachment_get(store, h, mime, sizeof mime, &size), STORE_OK);
    cr_expect_str_eq(mime, "image/png");
    cr_expect_eq(size, 64);
}
