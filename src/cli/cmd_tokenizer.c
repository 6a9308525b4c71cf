/* cmd_tokenizer.c — `rlhf tokenizer train | encode | decode | speed`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "data/text_sources.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_train.h"

static int fail(const char *sub, const RlhfErr *e) {
    fprintf(stderr, "rlhf tokenizer %s: %s\n", sub, e->msg);
    return 1;
}

static int parse_format(const char *s, TextFormat *f) {
    if (!s || !strcmp(s, "auto")) *f = TEXT_FMT_AUTO;
    else if (!strcmp(s, "text")) *f = TEXT_FMT_PLAIN;
    else if (!strcmp(s, "topical-chat")) *f = TEXT_FMT_TOPICAL;
    else if (!strcmp(s, "hh-rlhf")) *f = TEXT_FMT_HH;
    else return -1;
    return 0;
}

/* --tokenizer FILE or --gpt2 DIR (exactly one) */
static Tokenizer *open_tokenizer(const char *sub, const char *file, const char *gpt2, RlhfErr *e, int *usage) {
    *usage = 0;
    if (!!file == !!gpt2) {
        fprintf(stderr, "rlhf tokenizer %s: give exactly one of --tokenizer FILE or --gpt2 DIR (see --help)\n", sub);
        *usage = 1;
        return NULL;
    }
    return file ? tok_load(file, e) : tok_load_gpt2_dir(gpt2, e);
}

static int read_stream(FILE *f, char **out, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    if (!p) return -1;
    for (;;) {
        if (n == cap) {
            char *q = realloc(p, cap *= 2);
            if (!q) { free(p); return -1; }
            p = q;
        }
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) { free(p); return -1; }
    *out = p;
    *len = n;
    return 0;
}

/* ---- train ---- */

static int add_doc(void *ctx, const char *doc, size_t len, RlhfErr *e) { return bpe_trainer_add(ctx, doc, len, e); }

static int tok_cmd_train(int argc, char **argv) {
    int vocab = 0, merges = 0, min_count = 2, rejected = 0, topical_plain = 0;
    const char *out = NULL, *format = "auto";
    ArgSpec specs[] = {
        {"vocab-size", 'i', &vocab, "N", "total vocabulary: 256 bytes + merges + 1 special (<|endoftext|>)"},
        {"merges", 'i', &merges, "M", "number of merges instead of --vocab-size"},
        {"out", 's', &out, "FILE", "tokenizer file to write (required)"},
        {"min-count", 'i', &min_count, "N", "stop when the best pair occurs fewer times"},
        {"format", 's', &format, "F", "input format: auto|text|topical-chat|hh-rlhf (auto: by file name)"},
        {"hh-rejected", 'b', &rejected, NULL, "HH-RLHF: also train on the rejected transcripts"},
        {"topical-plain", 'b', &topical_plain, NULL, "Topical-Chat: messages as plain lines, no Human/Assistant markers"},
        {0}};
    char **pos = NULL;
    int npos = 0;
    const char *usage = "rlhf tokenizer train (--vocab-size N | --merges M) --out FILE INPUTS...\n\n"
                        "Learns byte-level BPE merges (GPT-2 pre-tokenizer) from plain text, Topical-Chat\n"
                        "JSON (*.json) and HH-RLHF JSONL (*.jsonl, *.jsonl.gz) files.";
    int rc = args_parse("tokenizer train", usage, specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    TextSourceOpts o = {.hh_rejected = rejected, .topical_plain = topical_plain};
    const char *specials[] = {TOK_EOT_STRING};
    int nspec = 1;
    if (!out || npos == 0 || (!vocab == !merges) || parse_format(format, &o.format)) {
        fprintf(stderr, "rlhf tokenizer train: need --out, input files, a valid --format and exactly one of "
                        "--vocab-size / --merges (see --help)\n");
        free(pos);
        return 2;
    }
    if (vocab) {
        merges = vocab - 256 - nspec;
        if (merges < 0) {
            fprintf(stderr, "rlhf tokenizer train: --vocab-size must be at least %d (256 bytes + specials)\n", 256 + nspec);
            free(pos);
            return 2;
        }
    }
    RlhfErr e = {{0}};
    double t0 = rlhf_now();
    BpeTrainer *tr = bpe_trainer_new(&e);
    if (!tr) { free(pos); return fail("train", &e); }
    for (int i = 0; i < npos; i++) {
        double t1 = rlhf_now();
        if (text_source_each(pos[i], &o, add_doc, tr, &e)) {
            bpe_trainer_free(tr);
            free(pos);
            return fail("train", &e);
        }
        fprintf(stderr, "read %s (%s) in %.2fs\n", pos[i],
                text_format_name(o.format ? o.format : text_format_for_path(pos[i])), rlhf_now() - t1);
    }
    free(pos);
    BpeTrainStats st;
    Tokenizer *tok = bpe_trainer_finish(tr, merges, min_count, specials, nspec, &st, &e);
    bpe_trainer_free(tr);
    if (!tok) return fail("train", &e);
    if (tok_save(tok, out, &e)) { tok_free(tok); return fail("train", &e); }
    double wall = rlhf_now() - t0;
    printf("{\"out\":\"%s\",\"bytes\":%llu,\"pieces\":%llu,\"unique_words\":%zu,\"merges\":%d,\"vocab_size\":%d,"
           "\"count_s\":%.3f,\"merge_s\":%.3f,\"wall_s\":%.3f}\n",
           out, (unsigned long long)st.bytes, (unsigned long long)st.pieces, st.unique_words, st.merges,
           tok_vocab_size(tok), st.count_s, st.merge_s, wall);
    if (st.merges < merges)
        fprintf(stderr, "note: learned %d of %d merges (no pair occurs %d+ times)\n", st.merges, merges, min_count);
    tok_free(tok);
    return 0;
}

/* ---- encode / decode ---- */

static int tok_cmd_encode(int argc, char **argv) {
    const char *file = NULL, *gpt2 = NULL, *in = NULL;
    int special = 0;
    ArgSpec specs[] = {
        {"tokenizer", 's', &file, "FILE", "tokenizer file (rlhf tokenizer train --out)"},
        {"gpt2", 's', &gpt2, "DIR", "GPT-2's encoder.json + vocab.bpe in DIR"},
        {"special", 'b', &special, NULL, "recognise special tokens such as <|endoftext|> in the input"},
        {"in", 's', &in, "FILE", "read this file instead of stdin"},
        {0}};
    int rc = args_parse("tokenizer encode", "rlhf tokenizer encode (--tokenizer FILE | --gpt2 DIR) [--special] < BYTES\n\n"
                        "Writes the token ids of stdin's bytes (any bytes) to stdout, space-separated.",
                        specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    RlhfErr e = {{0}};
    int usage;
    Tokenizer *tok = open_tokenizer("encode", file, gpt2, &e, &usage);
    if (!tok) return usage ? 2 : fail("encode", &e);
    char *data = NULL;
    size_t len = 0;
    if (in ? rlhf_read_file(in, &data, &len, &e) : (read_stream(stdin, &data, &len) ? rlhf_err(&e, "stdin: read error") : 0)) {
        tok_free(tok);
        return fail("encode", &e);
    }
    TokIds ids = {0};
    rc = tok_encode(tok, data, len, special, &ids, &e);
    if (!rc) {
        for (size_t i = 0; i < ids.n; i++) printf(i ? " %d" : "%d", ids.ids[i]);
        printf("\n");
    }
    free(data);
    tok_ids_free(&ids);
    tok_free(tok);
    if (fflush(stdout)) { fprintf(stderr, "rlhf tokenizer encode: stdout: write error\n"); return 1; }
    return rc ? fail("encode", &e) : 0;
}

static int tok_cmd_decode(int argc, char **argv) {
    const char *file = NULL, *gpt2 = NULL, *in = NULL;
    ArgSpec specs[] = {
        {"tokenizer", 's', &file, "FILE", "tokenizer file (rlhf tokenizer train --out)"},
        {"gpt2", 's', &gpt2, "DIR", "GPT-2's encoder.json + vocab.bpe in DIR"},
        {"in", 's', &in, "FILE", "read ids from this file instead of stdin"},
        {0}};
    int rc = args_parse("tokenizer decode", "rlhf tokenizer decode (--tokenizer FILE | --gpt2 DIR) < IDS\n\n"
                        "Reads whitespace-separated token ids and writes their exact bytes to stdout.",
                        specs, argc, argv, NULL, NULL);
    if (rc >= 0) return rc;
    RlhfErr e = {{0}};
    int usage;
    Tokenizer *tok = open_tokenizer("decode", file, gpt2, &e, &usage);
    if (!tok) return usage ? 2 : fail("decode", &e);
    char *data = NULL;
    size_t len = 0;
    if (in ? rlhf_read_file(in, &data, &len, &e) : (read_stream(stdin, &data, &len) ? rlhf_err(&e, "stdin: read error") : 0)) {
        tok_free(tok);
        return fail("decode", &e);
    }
    const char *src = in ? in : "stdin";
    TokIds ids = {0};
    TokBytes out = {0};
    size_t i = 0, k = 0;
    rc = 0;
    while (i < len && !rc) {
        while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r')) i++;
        if (i >= len) break;
        size_t j = i;
        long v = 0;
        while (j < len && data[j] >= '0' && data[j] <= '9' && v <= 1000000000L) v = v * 10 + (data[j++] - '0');
        if (j == i || (j < len && !(data[j] == ' ' || data[j] == '\n' || data[j] == '\t' || data[j] == '\r')) ||
            v >= tok_vocab_size(tok)) {
            rc = rlhf_err(&e, "%s: id #%zu at byte %zu ('%.20s') is not a token id in [0, %d)", src, k, i, data + i,
                          tok_vocab_size(tok));
            break;
        }
        if (ids.n == ids.cap) {
            size_t cap = ids.cap ? ids.cap * 2 : 1024;
            int *q = realloc(ids.ids, cap * sizeof *q);
            if (!q) { rc = rlhf_err(&e, "out of memory"); break; }
            ids.ids = q;
            ids.cap = cap;
        }
        ids.ids[ids.n++] = (int)v;
        k++;
        i = j;
    }
    if (!rc) rc = tok_decode(tok, ids.ids, ids.n, &out, &e);
    if (!rc && out.len && fwrite(out.data, 1, out.len, stdout) != out.len) rc = rlhf_err(&e, "stdout: write error");
    free(data);
    tok_ids_free(&ids);
    tok_bytes_free(&out);
    tok_free(tok);
    if (!rc && fflush(stdout)) rc = rlhf_err(&e, "stdout: write error");
    return rc ? fail("decode", &e) : 0;
}

/* ---- speed: encoding throughput on real documents ---- */

static int tok_cmd_speed(int argc, char **argv) {
    const char *file = NULL, *gpt2 = NULL;
    int rejected = 0;
    ArgSpec specs[] = {
        {"tokenizer", 's', &file, "FILE", "tokenizer file"},
        {"gpt2", 's', &gpt2, "DIR", "GPT-2's encoder.json + vocab.bpe in DIR"},
        {"hh-rejected", 'b', &rejected, NULL, "HH-RLHF: also encode the rejected transcripts"},
        {0}};
    char **pos = NULL;
    int npos = 0;
    int rc = args_parse("tokenizer speed", "rlhf tokenizer speed (--tokenizer FILE | --gpt2 DIR) INPUTS...\n\n"
                        "Encodes every document of the inputs once (cold word cache) and prints one JSON\n"
                        "line with bytes, tokens and tokens_per_s (load and file reading excluded).",
                        specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    if (npos == 0) { fprintf(stderr, "rlhf tokenizer speed: no input files (see --help)\n"); free(pos); return 2; }
    RlhfErr e = {{0}};
    int usage;
    Tokenizer *tok = open_tokenizer("speed", file, gpt2, &e, &usage);
    if (!tok) { free(pos); return usage ? 2 : fail("speed", &e); }
    TextDocs docs = {0};
    TextSourceOpts o = {.hh_rejected = rejected};
    rc = 0;
    for (int i = 0; i < npos && !rc; i++)
        if (text_docs_load(&docs, pos[i], &o, &e)) rc = -1;
    free(pos);
    TokIds ids = {0};
    size_t ntok = 0;
    double t0 = rlhf_now();
    for (size_t d = 0; d < docs.n && rc != -1; d++) {
        size_t l;
        const char *s = text_docs_get(&docs, d, &l);
        ids.n = 0;
        if (tok_encode(tok, s, l, 0, &ids, &e)) rc = -1;
        ntok += ids.n;
    }
    double dt = rlhf_now() - t0;
    if (rc != -1)
        printf("{\"docs\":%zu,\"bytes\":%zu,\"tokens\":%zu,\"seconds\":%.4f,\"tokens_per_s\":%.0f,\"mb_per_s\":%.2f}\n",
               docs.n, docs.len, ntok, dt, (double)ntok / dt, (double)docs.len / dt / 1e6);
    text_docs_free(&docs);
    tok_ids_free(&ids);
    tok_free(tok);
    return rc == -1 ? fail("speed", &e) : 0;
}

int cmd_tokenizer(int argc, char **argv) {
    static const SubCommand subs[] = {
        {"train", tok_cmd_train, "learn byte-level BPE merges from text / Topical-Chat / HH-RLHF files"},
        {"encode", tok_cmd_encode, "bytes on stdin -> token ids on stdout"},
        {"decode", tok_cmd_decode, "token ids on stdin -> exact bytes on stdout"},
        {"speed", tok_cmd_speed, "encoding throughput (tokens/s) on documents"},
    };
    return args_dispatch("tokenizer", NULL, subs, RLHF_ARRAY_LEN(subs), argc, argv);
}
