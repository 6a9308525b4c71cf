/* cmd_convert.c — `rlhf convert`: move GPT-2 weights between our checkpoint
 * format, llm.c's .bin and Hugging Face safetensors; `--info` describes a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/checkpoint.h"
#include "model/interop_llmc.h"
#include "model/interop_safetensors.h"

static const char *USAGE =
    "rlhf convert [--from llmc|safetensors|rlhf] [--to llmc|safetensors|rlhf] [--n-head N] [--tokenizer FILE] IN OUT\n"
    "       rlhf convert --info FILE\n\n"
    "Converts GPT-2 weights. --from defaults to what IN's first bytes say; --to defaults\n"
    "from OUT's name: *.bin = llm.c, *.safetensors = safetensors, anything else = rlhf.\n"
    "rlhf -> rlhf keeps optimizer state, trainer state and blobs; the other formats hold\n"
    "only the 16 GPT-2 tensors (scalar/value heads are dropped, with a note).";

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static const char *sniff(const char *path) {
    if (ckpt_is_checkpoint(path)) return "rlhf";
    if (llmc_is_checkpoint(path)) return "llmc";
    if (safetensors_is_file(path)) return "safetensors";
    return NULL;
}

static int known(const char *f) { return !strcmp(f, "llmc") || !strcmp(f, "safetensors") || !strcmp(f, "rlhf"); }

static int info(const char *path) {
    RlhfErr e = {{0}};
    const char *fmt = sniff(path);
    int rc;
    if (!fmt) {
        FILE *f = fopen(path, "rb");
        if (!f) { fprintf(stderr, "rlhf convert: %s: cannot open: %s\n", path, strerror(errno)); return 1; }
        fclose(f);
        fprintf(stderr, "rlhf convert: %s: not an rlhf checkpoint, llm.c .bin or safetensors file\n", path);
        return 1;
    }
    if (!strcmp(fmt, "rlhf")) rc = ckpt_print_info(path, stdout, &e);
    else if (!strcmp(fmt, "llmc")) rc = llmc_print_info(path, stdout, &e);
    else rc = safetensors_print_info(path, stdout, &e);
    if (rc) { fprintf(stderr, "rlhf convert: %s\n", e.msg); return 1; }
    return 0;
}

int cmd_convert(int argc, char **argv) {
    const char *from = NULL, *to = NULL, *info_file = NULL, *tokenizer = NULL;
    int n_head = 0;
    ArgSpec specs[] = {
        {"from", 's', &from, "FMT", "input format: llmc | safetensors | rlhf (default: detected)"},
        {"to", 's', &to, "FMT", "output format: llmc | safetensors | rlhf (default: from OUT's extension)"},
        {"n-head", 'i', &n_head, "N", "attention heads for safetensors input (0: config.json beside it, else n_embd/64)"},
        {"tokenizer", 's', &tokenizer, "FILE", "embed this tokenizer file in an rlhf checkpoint (blob 'tokenizer')"},
        {"info", 's', &info_file, "FILE", "print format, config, parameter count and tensors of FILE"},
        {0}};
    char **pos = NULL;
    int npos = 0;
    int rc = args_parse("convert", USAGE, specs, argc, argv, &pos, &npos);
    if (rc >= 0) return rc;
    if (info_file) {
        free(pos);
        if (npos) { fprintf(stderr, "rlhf convert: --info takes one FILE and no IN OUT\n"); return 2; }
        return info(info_file);
    }
    if (npos != 2) {
        fprintf(stderr, "rlhf convert: need IN and OUT (got %d arguments); see --help\n", npos);
        free(pos);
        return 2;
    }
    const char *in = pos[0], *out = pos[1];
    free(pos);
    if ((from && !known(from)) || (to && !known(to))) {
        fprintf(stderr, "rlhf convert: --%s '%s': formats are llmc, safetensors, rlhf\n", from && !known(from) ? "from" : "to",
                from && !known(from) ? from : to);
        return 2;
    }
    if (n_head < 0) { fprintf(stderr, "rlhf convert: --n-head %d must be positive\n", n_head); return 2; }
    if (!to) to = ends_with(out, ".bin") ? "llmc" : ends_with(out, ".safetensors") ? "safetensors" : "rlhf";
    if (tokenizer && strcmp(to, "rlhf")) {
        fprintf(stderr, "rlhf convert: --tokenizer only applies to --to rlhf\n");
        return 2;
    }
    if (!from) {
        from = sniff(in);
        if (!from) {
            if (!rlhf_file_exists(in)) fprintf(stderr, "rlhf convert: %s: no such file\n", in);
            else fprintf(stderr, "rlhf convert: %s: format not recognised; give --from\n", in);
            return 1;
        }
    }

    RlhfErr e = {{0}};
    GPT2 m;
    AdamW opt;
    char *trainer = NULL;
    CkptBlobs blobs = {0};
    char *tok = NULL;
    size_t tok_len = 0;
    int have_opt = 0;
    memset(&opt, 0, sizeof opt);
    if (!strcmp(from, "rlhf")) {
        int keep = !strcmp(to, "rlhf");
        rc = ckpt_load(in, &m, keep ? &opt : NULL, keep ? &trainer : NULL, keep ? &blobs : NULL, &e);
        have_opt = rc == 0 && opt.m != NULL;
    } else if (!strcmp(from, "llmc")) {
        rc = llmc_import(in, &m, &e);
    } else {
        rc = safetensors_import(in, n_head, &m, &e);
    }
    if (rc) { fprintf(stderr, "rlhf convert: %s\n", e.msg); return 1; }
    if (n_head && strcmp(from, "safetensors"))
        fprintf(stderr, "rlhf convert: note: --n-head only applies to safetensors input; ignored\n");

    if (!strcmp(to, "rlhf")) {
        CkptBlob *list = calloc((size_t)blobs.n + 1, sizeof *list);
        int n = 0;
        if (!list) { rc = rlhf_err(&e, "out of memory"); goto done; }
        for (int i = 0; i < blobs.n; i++)
            if (!tokenizer || strcmp(blobs.items[i].name, CKPT_BLOB_TOKENIZER)) list[n++] = blobs.items[i];
        if (tokenizer) {
            if ((rc = rlhf_read_file(tokenizer, &tok, &tok_len, &e))) { free(list); goto done; }
            list[n++] = ckpt_blob_bytes(CKPT_BLOB_TOKENIZER, tok, tok_len);
        }
        rc = ckpt_save(out, &m, have_opt ? &opt : NULL, trainer, list, n, &e);
        free(list);
    } else {
        if (m.heads) fprintf(stderr, "rlhf convert: note: %s holds only the LM; the scalar/value heads are dropped\n", to);
        rc = !strcmp(to, "llmc") ? llmc_export(out, &m, &e) : safetensors_export(out, &m, &e);
    }
    if (!rc) {
        printf("%s (%s) -> %s (%s): ", in, from, out, to);
        gpt2_print_summary(&m, stdout);
        if (!strcmp(to, "safetensors"))
            printf("note: n_head (%d) is not stored in safetensors; give it with --n-head or a config.json\n", m.cfg.n_head);
    }
done:
    if (rc) fprintf(stderr, "rlhf convert: %s\n", e.msg);
    gpt2_free(&m);
    adamw_free(&opt);
    free(trainer);
    free(tok);
    ckpt_blobs_free(&blobs);
    return rc ? 1 : 0;
}
