/* cmd_data.c — `rlhf data stats | split | baselines | pmp-topical`: comparison data at a
 * glance, deterministic prompt-hash splits, the non-neural judge baselines, and
 * preference-model-pretraining pairs mined from Topical-Chat's turn ratings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "data/comparisons.h"
#include "data/pmp_topical.h"
#include "data/split.h"
#include "judge/baselines.h"
#include "util/json.h"

/* ---- a set of 64-bit hashes (open addressing; 0 stands for "empty") ------- */

typedef struct HashSet { uint64_t *slot; size_t n, cap; } HashSet;

/* 1 if h was new, 0 if already present, -1 out of memory. */
static int hs_add(HashSet *s, uint64_t h) {
    if (h == 0) h = 1;
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 1024;
        uint64_t *ns = calloc(nc, sizeof *ns);
        if (!ns) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t j = s->slot[i] & (nc - 1);
                while (ns[j]) j = (j + 1) & (nc - 1);
                ns[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = ns;
        s->cap = nc;
    }
    size_t j = h & (s->cap - 1);
    while (s->slot[j]) {
        if (s->slot[j] == h) return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = h;
    s->n++;
    return 1;
}

/* ---- stats ---------------------------------------------------------------- */

typedef struct Stats {
    ComparisonCounts counts;
    long n, turns_max, chosen_longer, equal_len, dup_pairs, dup_prompts;
    double turns_sum, cbytes, rbytes, cwords, rwords;
    HashSet pairs, prompts, convs;
} Stats;

static long count_words(const char *s, size_t n) {
    long w = 0;
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        int sp = s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r';
        if (!sp && !in) w++;
        in = !sp;
    }
    return w;
}

static int stats_add(Stats *st, const Comparison *c) {
    st->n++;
    st->turns_sum += c->n_turns;
    if (c->n_turns > st->turns_max) st->turns_max = c->n_turns;
    st->cbytes += (double)c->chosen_len;
    st->rbytes += (double)c->rejected_len;
    st->cwords += (double)count_words(c->chosen, c->chosen_len);
    st->rwords += (double)count_words(c->rejected, c->rejected_len);
    double l = baseline_longer_score(c);
    st->chosen_longer += l == 1.0;
    st->equal_len += l == 0.5;
    uint64_t hp = split_siphash(c->prompt, c->prompt_len, 1, 2);
    uint64_t hpair = hp ^ split_siphash(c->chosen, c->chosen_len, 3, 4) ^
                     (split_siphash(c->rejected, c->rejected_len, 5, 6) * 0x9e3779b97f4a7c15ULL);
    int a = hs_add(&st->prompts, hp), b = hs_add(&st->pairs, hpair), d = hs_add(&st->convs, split_key(c->prompt, c->prompt_len, 7));
    if (a < 0 || b < 0 || d < 0) return -1;
    st->dup_prompts += a == 0;
    st->dup_pairs += b == 0;
    return 0;
}

static void stats_free(Stats *st) {
    free(st->pairs.slot);
    free(st->prompts.slot);
    free(st->convs.slot);
}

static double safe_div(double a, double b) { return b > 0 ? a / b : 0; }

static void stats_json(JsonBuf *b, const char *file, const Stats *st) {
    jb_obj_begin(b);
    jb_kv_str(b, "file", file);
    jb_kv_int(b, "rows", st->counts.lines);
    jb_kv_int(b, "pairs", st->n);
    jb_kv_int(b, "ties", st->counts.ties);
    jb_key(b, "skipped");
    jb_obj_begin(b);
    for (int r = 0; r < CMP_BAD_NREASONS; r++) jb_kv_int(b, cmp_bad_reason_name(r), st->counts.bad[r]);
    jb_obj_end(b);
    jb_kv_int(b, "conversations", (long long)st->convs.n);
    jb_kv_num(b, "turns_mean", safe_div(st->turns_sum, (double)st->n));
    jb_kv_int(b, "turns_max", st->turns_max);
    jb_kv_num(b, "chosen_bytes_mean", safe_div(st->cbytes, (double)st->n));
    jb_kv_num(b, "rejected_bytes_mean", safe_div(st->rbytes, (double)st->n));
    jb_kv_num(b, "chosen_words_mean", safe_div(st->cwords, (double)st->n));
    jb_kv_num(b, "rejected_words_mean", safe_div(st->rwords, (double)st->n));
    jb_kv_num(b, "chosen_longer_frac", safe_div((double)st->chosen_longer, (double)st->n));
    jb_kv_num(b, "equal_length_frac", safe_div((double)st->equal_len, (double)st->n));
    jb_kv_int(b, "duplicate_pairs", st->dup_pairs);
    jb_kv_int(b, "duplicate_prompts", st->dup_prompts);
    jb_obj_end(b);
}

static void stats_print(const char *file, const Stats *st) {
    double n = (double)st->n;
    printf("%s\n", file);
    printf("  rows %ld: %ld pairs, %ld ties skipped", st->counts.lines, st->n, st->counts.ties);
    long nbad = comparison_counts_bad(&st->counts);
    if (nbad) {
        printf(", %ld bad skipped (", nbad);
        int first = 1;
        for (int r = 0; r < CMP_BAD_NREASONS; r++)
            if (st->counts.bad[r]) { printf("%s%s %ld", first ? "" : ", ", cmp_bad_reason_name(r), st->counts.bad[r]); first = 0; }
        printf(")");
    }
    printf("\n  conversations (distinct first Human turns) %zu; turns per transcript mean %.2f, max %ld\n",
           st->convs.n, safe_div(st->turns_sum, n), st->turns_max);
    printf("  reply bytes   chosen %.1f  rejected %.1f (mean)\n", safe_div(st->cbytes, n), safe_div(st->rbytes, n));
    printf("  reply words   chosen %.1f  rejected %.1f (mean)\n", safe_div(st->cwords, n), safe_div(st->rwords, n));
    printf("  chosen longer %.1f%%, equal length %.1f%%\n", 100 * safe_div((double)st->chosen_longer, n),
           100 * safe_div((double)st->equal_len, n));
    printf("  duplicates    %ld exact pairs, %ld repeated prompts\n", st->dup_pairs, st->dup_prompts);
}

static int data_stats(int argc, char **argv) {
    int json = 0, skip_bad = 0;
    ArgSpec specs[] = {{"json", 'b', &json, NULL, "print JSON instead of text"},
                       {"skip-bad", 'b', &skip_bad, NULL, "skip and count bad rows instead of failing"},
                       {0}};
    char **files;
    int nfiles;
    int rc = args_parse("data stats", "rlhf data stats [--json] [--skip-bad] FILES... (.jsonl, .jsonl.gz, - for stdin)",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    if (nfiles == 0) { fprintf(stderr, "rlhf data stats: no input files (see --help)\n"); free(files); return 2; }
    Stats *st = calloc((size_t)nfiles + 1, sizeof *st);
    Stats *total = &st[nfiles];
    ComparisonOpts o = {.skip_bad = skip_bad};
    RlhfErr e;
    int status = 0;
    for (int f = 0; f < nfiles && !status; f++) {
        ComparisonReader *r = comparison_reader_open(files[f], &o, &e);
        if (!r) { fprintf(stderr, "rlhf data stats: %s\n", e.msg); status = 1; break; }
        Comparison c;
        int got;
        while ((got = comparison_reader_next(r, &c, &e)) == 1)
            if (stats_add(&st[f], &c) != 0 || stats_add(total, &c) != 0) { rlhf_err(&e, "out of memory"); got = -1; break; }
        st[f].counts = *comparison_reader_counts(r);
        comparison_counts_add(&total->counts, &st[f].counts);
        comparison_reader_close(r);
        if (got < 0) { fprintf(stderr, "rlhf data stats: %s\n", e.msg); status = 1; }
    }
    if (!status) {
        if (json) {
            JsonBuf b;
            jb_init(&b);
            jb_obj_begin(&b);
            jb_key(&b, "files");
            jb_arr_begin(&b);
            for (int f = 0; f < nfiles; f++) { jb_comma(&b); stats_json(&b, files[f], &st[f]); }
            jb_arr_end(&b);
            jb_key(&b, "total");
            stats_json(&b, "total", total);
            jb_obj_end(&b);
            printf("%s\n", b.data);
            jb_free(&b);
        } else {
            for (int f = 0; f < nfiles; f++) stats_print(files[f], &st[f]);
            if (nfiles > 1) stats_print("total", total);
        }
    }
    for (int f = 0; f <= nfiles; f++) stats_free(&st[f]);
    free(st);
    free(files);
    return status;
}

/* ---- split ---------------------------------------------------------------- */

static int data_split(int argc, char **argv) {
    const char *frac = "0.7", *prefix = NULL;
    long long salt = (long long)SPLIT_SALT_DEFAULT;
    int skip_bad = 0, keep_ties = 0, json = 0;
    ArgSpec specs[] = {{"frac", 's', &frac, "F[,F...]", "part fractions: 0.7 = train/test 70/30; 0.8,0.1,0.1 = train/val/test"},
                       {"salt", 'l', &salt, "S", "hash salt (the project's standard split uses the default)"},
                       {"out-prefix", 's', &prefix, "P", "write P.train.jsonl, P.test.jsonl (required)"},
                       {"skip-bad", 'b', &skip_bad, NULL, "skip and count bad rows instead of failing"},
                       {"keep-ties", 'b', &keep_ties, NULL, "also write pairs whose replies are identical"},
                       {"json", 'b', &json, NULL, "print the counts as JSON"},
                       {0}};
    char **files;
    int nfiles;
    int rc = args_parse("data split", "rlhf data split --out-prefix P [--frac 0.7] [--salt S] FILES...", specs, argc, argv,
                        &files, &nfiles);
    if (rc >= 0) return rc;
    RlhfErr e;
    double fr[SPLIT_MAX_PARTS];
    int nparts = split_parse_fractions(frac, fr, SPLIT_MAX_PARTS, &e);
    if (nparts < 0 || !prefix || nfiles == 0) {
        fprintf(stderr, "rlhf data split: %s\n", nparts < 0 ? e.msg : !prefix ? "--out-prefix is required" : "no input files");
        free(files);
        return 2;
    }
    FILE *out[SPLIT_MAX_PARTS] = {0};
    char path[SPLIT_MAX_PARTS][1024], tmp[SPLIT_MAX_PARTS][1100], name[32];
    long written[SPLIT_MAX_PARTS] = {0};
    int status = 0;
    for (int p = 0; p < nparts && !status; p++) {
        snprintf(path[p], sizeof path[p], "%s.%s.jsonl", prefix, split_part_name(p, nparts, name, sizeof name));
        snprintf(tmp[p], sizeof tmp[p], "%s.tmp", path[p]);
        out[p] = fopen(tmp[p], "wb");
        if (!out[p]) { fprintf(stderr, "rlhf data split: %s: %s\n", tmp[p], strerror(errno)); status = 1; }
    }
    ComparisonOpts o = {.skip_bad = skip_bad, .keep_ties = keep_ties};
    ComparisonCounts total = {0};
    JsonBuf scratch;
    jb_init(&scratch);
    for (int f = 0; f < nfiles && !status; f++) {
        ComparisonReader *r = comparison_reader_open(files[f], &o, &e);
        if (!r) { fprintf(stderr, "rlhf data split: %s\n", e.msg); status = 1; break; }
        Comparison c;
        int got;
        while ((got = comparison_reader_next(r, &c, &e)) == 1) {
            int p = split_of_key(split_key(c.prompt, c.prompt_len, (uint64_t)salt), fr, nparts);
            if (comparison_write_hh(out[p], &c, &scratch, &e) != 0) { got = -1; break; }
            written[p]++;
        }
        comparison_counts_add(&total, comparison_reader_counts(r));
        comparison_reader_close(r);
        if (got < 0) { fprintf(stderr, "rlhf data split: %s\n", e.msg); status = 1; }
    }
    jb_free(&scratch);
    for (int p = 0; p < nparts; p++) {
        if (!out[p]) continue;
        if (fclose(out[p]) != 0 && !status) { fprintf(stderr, "rlhf data split: %s: %s\n", tmp[p], strerror(errno)); status = 1; }
        if (!status && rename(tmp[p], path[p]) != 0) {
            fprintf(stderr, "rlhf data split: %s: %s\n", path[p], strerror(errno));
            status = 1;
        }
        if (status) remove(tmp[p]);
    }
    if (!status) {
        JsonBuf b;
        jb_init(&b);
        jb_obj_begin(&b);
        jb_kv_int(&b, "rows", total.lines);
        jb_kv_int(&b, "ties", total.ties);
        jb_kv_int(&b, "bad", comparison_counts_bad(&total));
        jb_kv_int(&b, "salt", salt);
        jb_key(&b, "parts");
        jb_arr_begin(&b);
        for (int p = 0; p < nparts; p++) {
            jb_comma(&b);
            jb_obj_begin(&b);
            jb_kv_str(&b, "name", split_part_name(p, nparts, name, sizeof name));
            jb_kv_str(&b, "file", path[p]);
            jb_kv_num(&b, "fraction", fr[p]);
            jb_kv_int(&b, "pairs", written[p]);
            jb_obj_end(&b);
        }
        jb_arr_end(&b);
        jb_obj_end(&b);
        if (json) printf("%s\n", b.data);
        else {
            printf("%ld rows (%ld ties %s, %ld bad skipped), salt %lld\n", total.lines, total.ties,
                   keep_ties ? "kept" : "skipped", comparison_counts_bad(&total), salt);
            for (int p = 0; p < nparts; p++) printf("  %-6s %7ld pairs -> %s\n", split_part_name(p, nparts, name, sizeof name), written[p], path[p]);
        }
        jb_free(&b);
    }
    free(files);
    return status;
}

/* ---- baselines ------------------------------------------------------------ */

static int data_baselines(int argc, char **argv) {
    double frac = 0.7, l2 = 0;
    long long salt = (long long)SPLIT_SALT_DEFAULT;
    int json = 0, skip_bad = 0, dim_log2, bigrams = 0, max_iter;
    const char *tf = "log1p";
    BowOpts bo;
    bow_default_opts(&bo);
    dim_log2 = bo.dim_log2;
    max_iter = bo.max_iter;
    ArgSpec specs[] = {{"frac", 'd', &frac, "F", "train fraction of the prompt-hash split; the rest is the test part"},
                       {"salt", 'l', &salt, "S", "split salt (default: the project's standard split)"},
                       {"l2", 'd', &l2, "L", "L2 strength of the bag-of-words model; 0 = choose on a holdout of train"},
                       {"dim-log2", 'i', &dim_log2, "B", "hashed feature buckets 2^B"},
                       {"bigrams", 'b', &bigrams, NULL, "add hashed word bigrams to the words"},
                       {"tf", 's', &tf, "T", "count transform: count | log1p | binary"},
                       {"max-iter", 'i', &max_iter, "N", "L-BFGS iterations"},
                       {"skip-bad", 'b', &skip_bad, NULL, "skip and count bad rows instead of failing"},
                       {"json", 'b', &json, NULL, "print JSON"},
                       {0}};
    char **files;
    int nfiles;
    int rc = args_parse("data baselines",
                        "rlhf data baselines [--frac 0.7] [--salt S] FILES...\n"
                        "  each file on its own: train on its train part, report accuracy on its test part\n"
                        "  for 'longer reply wins' and a bag-of-words logistic regression",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    bo.dim_log2 = dim_log2;
    bo.bigrams = bigrams;
    bo.l2 = l2;
    bo.max_iter = max_iter;
    if (!strcmp(tf, "count")) bo.tf = BOW_TF_COUNT;
    else if (!strcmp(tf, "log1p")) bo.tf = BOW_TF_LOG1P;
    else if (!strcmp(tf, "binary")) bo.tf = BOW_TF_BINARY;
    else { fprintf(stderr, "rlhf data baselines: --tf '%s': expected count, log1p or binary\n", tf); free(files); return 2; }
    if (!(frac > 0 && frac < 1) || nfiles == 0 || dim_log2 < 4 || dim_log2 > 26) {
        fprintf(stderr, "rlhf data baselines: %s\n", nfiles == 0 ? "no input files" : "--frac must be in (0,1), --dim-log2 in 4..26");
        free(files);
        return 2;
    }
    double fr[2] = {frac, 1 - frac};
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_num(&b, "frac", frac);
    jb_kv_int(&b, "salt", salt);
    jb_key(&b, "results");
    jb_arr_begin(&b);
    int status = 0;
    if (!json)
        printf("%-60s %6s %6s  %-22s  %-22s %8s %6s\n", "file", "train", "test", "longer wins [95% CI]",
               "bag of words [95% CI]", "l2", "secs");
    for (int f = 0; f < nfiles && !status; f++) {
        double t0 = rlhf_now();
        ComparisonSet part[2] = {{0}};
        RlhfErr e;
        const char *one[1] = {files[f]};
        for (int p = 0; p < 2 && !status; p++) {
            ComparisonOpts o = {.skip_bad = skip_bad};
            comparison_opts_split(&o, (uint64_t)salt, fr, 2, p);
            if (comparisons_load_all(one, 1, &o, &part[p], &e) != 0) { fprintf(stderr, "rlhf data baselines: %s\n", e.msg); status = 1; }
        }
        BowModel m;
        Accuracy lw = {0}, bw = {0};
        if (!status) {
            lw = baseline_longer_wins(&part[1]);
            if (bow_train(&m, &part[0], &bo, &e) != 0) status = 1;
            else if (bow_eval(&m, &part[1], &bw, &e) != 0) { bow_free(&m); status = 1; }
            if (status) fprintf(stderr, "rlhf data baselines: %s: %s\n", files[f], e.msg);
        }
        if (!status) {
            double secs = rlhf_now() - t0;
            jb_comma(&b);
            jb_obj_begin(&b);
            jb_kv_str(&b, "file", files[f]);
            jb_kv_int(&b, "train_pairs", (long long)part[0].n);
            jb_kv_int(&b, "test_pairs", (long long)part[1].n);
            jb_kv_int(&b, "ties_skipped", part[0].counts.ties);   /* counted before the split filter: the whole file */
            jb_key(&b, "longer_wins");
            jb_obj_begin(&b); jb_kv_num(&b, "acc", lw.acc); jb_kv_num(&b, "lo", lw.lo); jb_kv_num(&b, "hi", lw.hi); jb_obj_end(&b);
            jb_key(&b, "bag_of_words");
            jb_obj_begin(&b); jb_kv_num(&b, "acc", bw.acc); jb_kv_num(&b, "lo", bw.lo); jb_kv_num(&b, "hi", bw.hi);
            jb_kv_num(&b, "l2", m.o.l2); jb_kv_int(&b, "iters", m.iters); jb_obj_end(&b);
            jb_kv_num(&b, "seconds", secs);
            jb_obj_end(&b);
            if (!json)
                printf("%-60s %6zu %6zu  %5.1f%% [%4.1f, %4.1f]     %5.1f%% [%4.1f, %4.1f]    %8.0e %6.1f\n", files[f],
                       part[0].n, part[1].n, 100 * lw.acc, 100 * lw.lo, 100 * lw.hi, 100 * bw.acc, 100 * bw.lo,
                       100 * bw.hi, m.o.l2, secs);
            bow_free(&m);
        }
        comparison_set_free(&part[0]);
        comparison_set_free(&part[1]);
    }
    jb_arr_end(&b);
    jb_obj_end(&b);
    if (json && !status) printf("%s\n", b.data);
    jb_free(&b);
    free(files);
    return status;
}

/* ---- pmp-topical ---------------------------------------------------------- */

static int data_pmp_topical(int argc, char **argv) {
    const char *out = NULL;
    long long seed = 1337, max_pairs = 0;
    int max_turns = 4, json = 0;
    ArgSpec specs[] = {{"out", 's', &out, "FILE", "HH-format JSONL to write, atomically (required)"},
                       {"seed", 'l', &seed, "S", "seed of the rejected-turn draws and of the shuffle"},
                       {"max-turns", 'i', &max_turns, "K", "context turns before the chosen turn (trimmed to start with Human)"},
                       {"max-pairs", 'l', &max_pairs, "N", "keep the first N pairs of the shuffled set (0 = all)"},
                       {"json", 'b', &json, NULL, "print the counts as JSON"},
                       {0}};
    char **files;
    int nfiles;
    int rc = args_parse("data pmp-topical",
                        "rlhf data pmp-topical --out FILE.jsonl [--seed S] [--max-turns K] [--max-pairs N] TOPICAL.json...\n"
                        "  preference-model-pretraining pairs from Topical-Chat turn ratings: chosen = a real Excellent/Good\n"
                        "  turn after up to K turns of its conversation (its speaker becomes Assistant), rejected = a turn of\n"
                        "  another conversation drawn by the seed, low-rated (Passable/Poor/Not Good) when possible",
                        specs, argc, argv, &files, &nfiles);
    if (rc >= 0) return rc;
    if (!out || nfiles == 0 || max_turns < 1 || max_pairs < 0) {
        fprintf(stderr, "rlhf data pmp-topical: %s\n",
                !out ? "--out is required" : nfiles == 0 ? "no input files" : "--max-turns must be >= 1, --max-pairs >= 0");
        free(files);
        return 2;
    }
    PmpOpts o;
    pmp_default_opts(&o);
    o.seed = (uint64_t)seed;
    o.max_turns = max_turns;
    o.max_pairs = (long)max_pairs;
    PmpCounts c;
    RlhfErr e;
    double t0 = rlhf_now();
    if (pmp_topical_write((const char *const *)files, nfiles, &o, out, &c, &e) != 0) {
        fprintf(stderr, "rlhf data pmp-topical: %s\n", e.msg);
        free(files);
        return 1;
    }
    double secs = rlhf_now() - t0;
    if (json) {
        JsonBuf b;
        jb_init(&b);
        jb_obj_begin(&b);
        jb_kv_str(&b, "out", out);
        jb_kv_int(&b, "conversations", c.conversations);
        jb_kv_int(&b, "turns", c.turns);
        jb_key(&b, "ratings");
        jb_obj_begin(&b);
        for (int r = PMP_RATING_N - 1; r >= 0; r--) jb_kv_int(&b, r ? pmp_rating_name(r) : "unrated", c.by_rating[r]);
        jb_obj_end(&b);
        jb_kv_int(&b, "candidates", c.candidates);
        jb_kv_int(&b, "skip_rating", c.skip_rating);
        jb_kv_int(&b, "skip_first", c.skip_first);
        jb_kv_int(&b, "skip_same_speaker", c.skip_same_speaker);
        jb_kv_int(&b, "skip_blank", c.skip_blank);
        jb_kv_int(&b, "skip_no_negative", c.skip_no_negative);
        jb_kv_int(&b, "rejected_low", c.rejected_low);
        jb_kv_int(&b, "rejected_fallback", c.rejected_fallback);
        jb_kv_int(&b, "pairs", c.pairs);
        jb_kv_int(&b, "seed", seed);
        jb_kv_int(&b, "max_turns", max_turns);
        jb_kv_num(&b, "seconds", secs);
        jb_obj_end(&b);
        printf("%s\n", b.data);
        jb_free(&b);
    } else {
        printf("%ld conversations, %ld turns (", c.conversations, c.turns);
        for (int r = PMP_RATING_N - 1; r >= 0; r--)
            printf("%s %s %ld", r == PMP_RATING_N - 1 ? "" : ",", r ? pmp_rating_name(r) : "unrated", c.by_rating[r]);
        printf(")\n%ld candidate turns (skipped: %ld by rating, %ld first turns, %ld after the same speaker, %ld blank, "
               "%ld without a negative)\n",
               c.candidates, c.skip_rating, c.skip_first, c.skip_same_speaker, c.skip_blank, c.skip_no_negative);
        printf("rejected from the low-rated pool %ld, from any other turn %ld\n", c.rejected_low, c.rejected_fallback);
        printf("%ld pairs -> %s (%.1f s)\n", c.pairs, out, secs);
    }
    free(files);
    return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

int cmd_data(int argc, char **argv) {
    static const SubCommand subs[] = {
        {"stats", data_stats, "counts, skipped rows by reason, turns, reply lengths, ties, duplicates"},
        {"split", data_split, "deterministic prompt-hash split into P.train.jsonl / P.test.jsonl (HH format)"},
        {"baselines", data_baselines, "'longer reply wins' and bag-of-words logistic regression on a 70/30 split"},
        {"pmp-topical", data_pmp_topical, "preference-model-pretraining pairs mined from Topical-Chat turn ratings"},
    };
    return args_dispatch("data", "Files: HH-RLHF {\"chosen\",\"rejected\"} or {\"prompt\",\"chosen\",\"rejected\"} JSONL, optionally .gz.",
                         subs, RLHF_ARRAY_LEN(subs), argc, argv);
}
