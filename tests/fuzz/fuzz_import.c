/* fuzz_import.c — libFuzzer harness for the import parsers.
 *
 * Input: byte 0 = options (bit 0 gold, bit 1 red-team mode, bits 2-3 limit),
 * the rest = a JSONL file. Each input exercises
 *   - the bench's one-row parser bench_parse_pair and the data loader's
 *     comparison_parse_row on the first line;
 *   - the whole-file paths: bench_import_file into an in-memory SQLite
 *     database, and the streaming comparison_reader, both reading the bytes
 *     from a memfd (/proc/self/fd/N), so nothing touches the disk.
 * Properties (abort = a finding):
 *   - a rejected row always says why; an accepted bench row has valid UTF-8,
 *     NUL-free texts and a conversation with a Human turn;
 *   - comparison_parse_row's canonical form is stable: writing an accepted row
 *     as HH-RLHF JSONL and parsing it again gives the same comparison (unless
 *     the two replies share a "\n\nAssistant:" — the HH format cannot say
 *     where such a reply starts — or a text is not valid UTF-8, which the
 *     writer escapes as Latin-1);
 *   - bench_import_file imports exactly the rows bench_parse_pair accepts
 *     (all or nothing, up to the limit), and the database holds that many tasks;
 *   - the reader's counts add up: lines = kept + ties + bad rows.
 * Build and run: scripts/fuzz.sh import. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench_db.h"
#include "bench/bench_import.h"
#include "data/comparisons.h"
#include "data/transcript.h"

#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) { fprintf(stderr, "fuzz_import: property failed: %s (%s)\n", what, #cond); abort(); } \
    } while (0)

static BenchDb *g_db;
static int g_fd = -1;
static char g_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    RlhfErr e;
    if (bench_db_open("sqlite::memory:", &g_db, &e)) { fprintf(stderr, "fuzz_import: %s\n", e.msg); abort(); }
    g_fd = memfd_create("fuzz_import", 0);
    if (g_fd < 0) { perror("memfd_create"); abort(); }
    snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    return 0;
}

static int valid_text(const char *s) { return s && bench_valid_utf8(s, strlen(s)); }

static void check_bench_row(const char *line, size_t n) {
    BenchTask t;
    RlhfErr e;
    e.msg[0] = 0;
    if (bench_parse_pair(line, n, &t, &e) == 0) {
        FUZZ_CHECK(valid_text(t.conversation) && valid_text(t.reply_a) && valid_text(t.reply_b), "accepted texts are UTF-8");
        FUZZ_CHECK(strstr(t.conversation, "Human:") != NULL, "an accepted conversation has a Human turn");
        bench_task_free(&t);
    } else {
        FUZZ_CHECK(e.msg[0] != 0, "a rejected bench row says why");
        FUZZ_CHECK(t.conversation == NULL && t.reply_a == NULL && t.reply_b == NULL, "a rejected row leaves nothing allocated");
    }
}

static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn) {
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i]) i++;
    return i;
}

static void check_data_row(const char *line, size_t n) {
    Comparison c, c2;
    char *buf = NULL, *buf2 = NULL;
    size_t cap = 0, cap2 = 0;
    int reason = -1;
    RlhfErr e;
    e.msg[0] = 0;
    if (comparison_parse_row(line, n, &c, &buf, &cap, &reason, &e) != 0) {
        FUZZ_CHECK(e.msg[0] != 0, "a rejected data row says why");
        FUZZ_CHECK(reason >= 0 && reason < CMP_BAD_NREASONS, "a rejected data row has a reason");
        free(buf);
        return;
    }
    FUZZ_CHECK(c.n_turns >= 2, "an accepted comparison has a prompt and a reply");
    FUZZ_CHECK(strlen(cmp_bad_reason_name(reason)) > 0, "reason names");
    size_t cp = common_prefix(c.chosen, c.chosen_len, c.rejected, c.rejected_len);
    int ambiguous = transcript_find(c.chosen, cp, TRANSCRIPT_ASSISTANT, TRANSCRIPT_ASSISTANT_LEN) >= 0;
    int utf8 = bench_valid_utf8(c.prompt, c.prompt_len) && bench_valid_utf8(c.chosen, c.chosen_len) &&
               bench_valid_utf8(c.rejected, c.rejected_len);
    char *row = NULL;
    size_t rowlen = 0;
    FILE *f = open_memstream(&row, &rowlen);
    FUZZ_CHECK(f != NULL, "open_memstream");
    JsonBuf scratch;
    jb_init(&scratch);
    FUZZ_CHECK(comparison_write_hh(f, &c, &scratch, &e) == 0, "comparison_write_hh");
    fclose(f);
    jb_free(&scratch);
    FUZZ_CHECK(rowlen > 0 && row[rowlen - 1] == '\n', "a written row ends with a newline");
    if (!ambiguous && utf8) {
        if (comparison_parse_row(row, rowlen - 1, &c2, &buf2, &cap2, &reason, &e) != 0) {
            fprintf(stderr, "re-parse of %.*s failed: %s\n", (int)(rowlen < 600 ? rowlen : 600), row, e.msg);
            abort();
        }
        FUZZ_CHECK(c2.prompt_len == c.prompt_len && !memcmp(c2.prompt, c.prompt, c.prompt_len), "prompt survives export");
        FUZZ_CHECK(c2.chosen_len == c.chosen_len && !memcmp(c2.chosen, c.chosen, c.chosen_len), "chosen survives export");
        FUZZ_CHECK(c2.rejected_len == c.rejected_len && !memcmp(c2.rejected, c.rejected, c.rejected_len),
                   "rejected survives export");
        FUZZ_CHECK(c2.n_turns == c.n_turns, "turn count survives export");
    }
    free(row);
    free(buf);
    free(buf2);
}

/* What bench_import_file should do with this file: the number of rows it
 * imports, or -1 when some row within the limit is bad. Same line rules. */
static long long expected_imports(const char *data, size_t len, long long limit) {
    long long n = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        size_t k = 0;
        while (k < ll && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
        if (k == ll) continue;
        if (limit > 0 && n >= limit) break;
        BenchTask t;
        RlhfErr e;
        if (bench_parse_pair(line, ll, &t, &e)) return -1;
        bench_task_free(&t);
        n++;
    }
    return n;
}

static long long count_tasks(void) {
    BenchRows rows;
    RlhfErr e;
    FUZZ_CHECK(bench_db_exec(g_db, "SELECT COUNT(*) FROM tasks", 0, NULL, &rows, &e) == 0, "count tasks");
    long long n = atoll(bench_cell(&rows, 0, 0));
    bench_rows_free(&rows);
    return n;
}

static void check_files(const char *data, size_t len, uint8_t flags) {
    FUZZ_CHECK(ftruncate(g_fd, 0) == 0, "ftruncate");
    FUZZ_CHECK(len == 0 || pwrite(g_fd, data, len, 0) == (ssize_t)len, "pwrite");

    BenchImportOpts o = {.mode = (flags & 2) ? "redteam" : "helpful", .gold = flags & 1, .limit = (flags >> 2) & 3};
    long long n = -7, want = expected_imports(data, len, o.limit);
    RlhfErr e;
    e.msg[0] = 0;
    int rc = bench_import_file(g_db, g_path, &o, &n, &e);
    if (want < 0) {
        FUZZ_CHECK(rc != 0, "a file with a bad row is refused");
        FUZZ_CHECK(strstr(e.msg, g_path) != NULL, "the refusal names path:line");
        FUZZ_CHECK(count_tasks() == 0, "a refused file leaves no task behind");
    } else {
        if (rc) fprintf(stderr, "import failed: %s\n", e.msg);
        FUZZ_CHECK(rc == 0 && n == want, "a good file imports every row");
        FUZZ_CHECK(count_tasks() == want, "the database holds the imported rows");
        FUZZ_CHECK(bench_db_exec(g_db, "DELETE FROM tasks", 0, NULL, NULL, &e) == 0, "clear tasks");
    }

    ComparisonOpts co = {.skip_bad = 1};
    ComparisonReader *r = comparison_reader_open(g_path, &co, &e);
    FUZZ_CHECK(r != NULL, "reader opens a memfd");
    Comparison c;
    long kept = 0;
    int got;
    while ((got = comparison_reader_next(r, &c, &e)) == 1) kept++;
    const ComparisonCounts *k = comparison_reader_counts(r);
    if (got < 0) FUZZ_CHECK(e.msg[0] != 0, "a reader error says why");   /* e.g. corrupt gzip */
    else FUZZ_CHECK(k->lines == k->kept + k->ties + comparison_counts_bad(k) && k->kept == kept, "reader counts add up");
    comparison_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size) {
    if (size == 0) return 0;
    uint8_t flags = d[0];
    const char *data = (const char *)d + 1;
    size_t len = size - 1;
    const char *nl = memchr(data, '\n', len);
    size_t first = nl ? (size_t)(nl - data) : len;
    check_bench_row(data, first);
    check_data_row(data, first);
    check_files(data, len, flags);
    return 0;
}
