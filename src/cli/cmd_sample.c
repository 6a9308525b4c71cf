/* cmd_sample.c — `rlhf sample`: generate replies from a model with the KV-cache
 * sampler (src/model/sampler.h). All --num samples of the prompt run as one batch;
 * --best-of N with a judge (a later issue) will score those rows and keep one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "judge/best_of_n.h"
#include "judge/judge.h"
#include "model/checkpoint.h"
#include "model/gpt2.h"
#include "model/interop_llmc.h"
#include "model/model_file.h"
#include "model/sampler.h"
#include "tokenizer/bpe.h"
#include "util/common.h"
#include "util/json.h"

#define SAMPLE_MAX_STOPS 16

static const char *USAGE =
    "rlhf sample --model CKPT --prompt TEXT [--num N] [--max-new N] [--temperature T] [--top-k K]\n"
    "                   [--top-p P] [--seed S] [--stop STR]... [--json]\n\n"
    "Samples --num replies to one prompt as a batch. In --prompt and --stop, \\n \\t \\\\ and \\xHH\n"
    "are escapes, so --stop '\\n\\nHuman:' stops at the next human turn. Generation also stops at\n"
    "<|endoftext|> (unless --no-eot) and at the model's context length. -n N is --num N.\n"
    "With --json, one line per sample: text (the reply without the stop string or EOT), ids (all\n"
    "generated tokens), logp (log-prob of each under the model itself, temperature 1, no\n"
    "filtering: what PPO uses), logp_sample (under the distribution sampled from), finish\n"
    "(length, eot, stop, context), n, n_reply.\n\n"
    "Best-of-N: --best-of N --judge J [--judge-harm J2] [--dials D] samples N replies, scores prompt +\n"
    "reply with the judge (two judges: w_help*z_help + w_harm*z_harm, dials balanced | helpful |\n"
    "harmless | guarded | W_HELP,W_HARM[,HARM_CAP], the cap bounding z_harm from above), prints the best and the reward distribution (mean, std, quantiles)\n"
    "and the analytic KL of best-of-N from the policy, log N - (N-1)/N.";

/* C-style escapes in place: \n \t \r \\ \" \xHH. */
static void unescape(char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) { *w++ = *r; continue; }
        r++;
        switch (*r) {
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && ((r[1] >= '0' && r[1] <= '9') || ((r[1] | 32) >= 'a' && (r[1] | 32) <= 'f'))) {
                r++;
                v = v * 16 + (*r <= '9' ? *r - '0' : (*r | 32) - 'a' + 10);
                k++;
            }
            *w++ = k ? (char)v : 'x';
            break;
        }
        default: *w++ = *r; break;
        }
    }
    *w = 0;
}


/* Loads a model and its tokenizer: an rlhf checkpoint (tokenizer embedded, or
 * --tokenizer), or an llm.c .bin (needs --tokenizer or --gpt2-bpe). */
static int load_model(const char *path, const char *tok_path, const char *gpt2_dir, GPT2 *m, Tokenizer **tok,
                      RlhfErr *e) {
    *tok = NULL;
    if (llmc_is_checkpoint(path)) {
        if (!tok_path && !gpt2_dir)
            return rlhf_err(e, "%s: an llm.c checkpoint has no tokenizer: give --tokenizer or --gpt2-bpe", path);
        if (llmc_import(path, m, e)) return -1;
    } else if (tok_path || gpt2_dir) {
        if (ckpt_load(path, m, NULL, NULL, NULL, e)) return -1;
    } else {
        return model_file_load(path, m, tok, NULL, NULL, NULL, e);
    }
    *tok = tok_path ? tok_load(tok_path, e) : tok_load_gpt2_dir(gpt2_dir, e);
    if (!*tok) { gpt2_free(m); return -1; }
    return 0;
}

static void print_json_row(const SampleRow *r, int index, const Tokenizer *tok) {
    JsonBuf b;
    jb_init(&b);
    TokBytes text = {0};
    RlhfErr e;
    if (tok_decode(tok, r->ids, (size_t)r->n_reply, &text, &e)) text.len = 0;
    jb_obj_begin(&b);
    jb_kv_int(&b, "index", index);
    jb_key(&b, "text");
    jb_strn(&b, text.data ? text.data : "", text.len);
    jb_kv_str(&b, "finish", sample_finish_name(r->finish));
    jb_kv_int(&b, "n", r->n);
    jb_kv_int(&b, "n_reply", r->n_reply);
    if (r->stop_index >= 0) jb_kv_int(&b, "stop_index", r->stop_index);
    jb_key(&b, "ids");
    jb_arr_begin(&b);
    for (int t = 0; t < r->n; t++) { jb_comma(&b); jb_printf(&b, "%d", r->ids[t]); }
    jb_arr_end(&b);
    jb_key(&b, "logp");
    jb_arr_begin(&b);
    for (int t = 0; t < r->n; t++) { jb_comma(&b); jb_printf(&b, "%.6g", (double)r->logp[t]); }
    jb_arr_end(&b);
    jb_key(&b, "logp_sample");
    jb_arr_begin(&b);
    for (int t = 0; t < r->n; t++) { jb_comma(&b); jb_printf(&b, "%.6g", (double)r->logp_sample[t]); }
    jb_arr_end(&b);
    jb_obj_end(&b);
    printf("%s\n", b.data ? b.data : "{}");
    jb_free(&b);
    tok_bytes_free(&text);
}

/* --best-of: N samples of the prompt scored by the judge(s); prints the best
 * reply and the reward distribution. One judge alone gives its own z. */
static int best_of_n_run(Sampler *s, Tokenizer *tok, const char *prompt, int n, const SamplerOpts *o,
                         const char *judge_path, const char *harm_path, Dials dials, int json, DeviceKind dk,
                         RlhfErr *e) {
    Judge jh, js;
    int have_h = 0, have_s = 0, rc = -1;
    BestOfN r = {0};
    if (judge_path) {
        if (judge_load(&jh, judge_path, e)) goto done;
        have_h = 1;
        if (judge_use_device(&jh, dk, e)) goto done;
    }
    if (harm_path) {
        if (judge_load(&js, harm_path, e)) goto done;
        have_s = 1;
        if (judge_use_device(&js, dk, e)) goto done;
    }
    RewardModel rm = {have_h ? &jh : NULL, have_s ? &js : NULL, dials};
    if (!have_s) rm.dials.w_help = 1.0f;
    if (!have_h) rm.dials.w_harm = 1.0f;
    double t0 = rlhf_now();
    if (best_of_n_with(s, tok, reward_fn_model, &rm, prompt, n, o, &r, e)) goto done;
    double dt = rlhf_now() - t0;
    const RewardStats *st = &r.stats;
    if (json) {
        JsonBuf b;
        jb_init(&b);
        jb_obj_begin(&b);
        jb_kv_int(&b, "best_index", r.best);
        jb_kv_str(&b, "text", r.replies[r.best]);
        jb_kv_num(&b, "reward", r.rewards[r.best]);
        jb_kv_int(&b, "n", n);
        jb_kv_num(&b, "kl_best_of_n", best_of_n_kl(n));
        jb_key(&b, "rewards");
        jb_arr_begin(&b);
        for (int i = 0; i < n; i++) { jb_comma(&b); jb_num(&b, r.rewards[i]); }
        jb_arr_end(&b);
        jb_key(&b, "stats");
        jb_obj_begin(&b);
        jb_kv_num(&b, "mean", st->mean); jb_kv_num(&b, "std", st->std); jb_kv_num(&b, "min", st->min);
        jb_kv_num(&b, "q10", st->q10); jb_kv_num(&b, "q25", st->q25); jb_kv_num(&b, "q50", st->q50);
        jb_kv_num(&b, "q75", st->q75); jb_kv_num(&b, "q90", st->q90); jb_kv_num(&b, "max", st->max);
        jb_obj_end(&b);
        jb_obj_end(&b);
        printf("%s\n", b.data ? b.data : "{}");
        jb_free(&b);
    } else {
        printf("=== best of %d: sample %d, reward %.3f (%s) ===\n", n, r.best, r.rewards[r.best],
               sample_finish_name(r.finish[r.best]));
        printf("%s\n", r.replies[r.best]);
    }
    fprintf(stderr, "rlhf sample: best of %d in %.2f s; reward mean %.3f std %.3f min %.3f q10 %.3f q25 %.3f "
                    "median %.3f q75 %.3f q90 %.3f max %.3f; KL(best-of-%d || policy) = %.3f nats\n",
            n, dt, st->mean, st->std, st->min, st->q10, st->q25, st->q50, st->q75, st->q90, st->max, n,
            best_of_n_kl(n));
    rc = 0;
done:
    best_of_n_free(&r);
    if (have_h) judge_free(&jh);
    if (have_s) judge_free(&js);
    return rc;
}

int cmd_sample(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL, *tok_path = NULL, *gpt2_dir = NULL, *stop_dummy = NULL;
    int num = 1, max_new = 128, top_k = 0, json = 0, no_eot = 0, bf16 = 0, no_pack = 0;
    const char *device = "cpu";
    float temperature = 1.0f, top_p = 1.0f;
    long long seed = 0;
    int best_of = 0;
    const char *judge_path = NULL, *harm_path = NULL, *dials_s = "balanced";
    ArgSpec specs[] = {
        {"model", 's', &model, "CKPT", "model checkpoint (rlhf, or llm.c .bin) (required)"},
        {"prompt", 's', &prompt, "TEXT", "the prompt (required)"},
        {"num", 'i', &num, "N", "samples to draw, as one batch (also -n)"},
        {"max-new", 'i', &max_new, "N", "new tokens per sample at most"},
        {"temperature", 'f', &temperature, "T", "0 = greedy"},
        {"top-k", 'i', &top_k, "K", "sample among the K most likely tokens (0 = all)"},
        {"top-p", 'f', &top_p, "P", "nucleus sampling mass (1 = off)"},
        {"seed", 'l', &seed, "S", "random seed (sample i draws from its own stream)"},
        {"stop", 's', &stop_dummy, "STR", "stop string, repeatable (escapes allowed)"},
        {"no-eot", 'b', &no_eot, NULL, "do not stop at <|endoftext|>"},
        {"tokenizer", 's', &tok_path, "FILE", "tokenizer file (instead of the one in the checkpoint)"},
        {"gpt2-bpe", 's', &gpt2_dir, "DIR", "GPT-2 encoder.json + vocab.bpe (for llm.c checkpoints)"},
        {"json", 'b', &json, NULL, "one JSON line per sample with ids and log-probs"},
        {"bf16", 'b', &bf16, NULL, "decode with bf16 copies of the weights: faster, log-probs ~1e-2 off"},
        {"no-pack", 'b', &no_pack, NULL, "keep the weights row-major (the layout training uses; ~1.5x slower decoding)"},
        {"best-of", 'i', &best_of, "N", "sample N replies, keep the best by the judge's reward"},
        {"judge", 's', &judge_path, "JUDGE", "judge for --best-of (the helpfulness dial with --judge-harm)"},
        {"judge-harm", 's', &harm_path, "JUDGE", "harmlessness judge for --best-of"},
        {"dials", 's', &dials_s, "D", "weights of the two judges: balanced | helpful | harmless | W_HELP,W_HARM"},
        {"device", 's', &device, "cpu|cuda", "where the model (and the judges) run (cuda: build/cuda/rlhf of make cuda)"},
        {0}};
    /* --stop repeats and -n is short for --num: take them out before the shared parser */
    char *stops[SAMPLE_MAX_STOPS];
    int n_stops = 0, ac = 0;
    char **av = calloc((size_t)argc + 1, sizeof *av);
    if (!av) { fprintf(stderr, "rlhf sample: out of memory\n"); return 1; }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (i > 0 && !strcmp(a, "--")) { while (i < argc) av[ac++] = argv[i++]; break; }
        if (i > 0 && !strcmp(a, "--stop")) {
            if (i + 1 >= argc) { fprintf(stderr, "rlhf sample: --stop needs a value\n"); free(av); return 2; }
            val = argv[++i];
        } else if (i > 0 && !strncmp(a, "--stop=", 7)) {
            val = a + 7;
        } else if (i > 0 && !strcmp(a, "-n")) {
            av[ac++] = "--num";
            continue;
        }
        if (!val) { av[ac++] = argv[i]; continue; }
        if (n_stops == SAMPLE_MAX_STOPS) {
            fprintf(stderr, "rlhf sample: at most %d --stop strings\n", SAMPLE_MAX_STOPS);
            free(av);
            return 2;
        }
        stops[n_stops++] = (char *)val;
    }
    int rc = args_parse(argv[0], USAGE, specs, ac, av, NULL, NULL);
    free(av);
    if (rc >= 0) return rc;
    if (!model || !prompt) { fprintf(stderr, "rlhf sample: --model and --prompt are required (see --help)\n"); return 2; }
    DeviceKind dk;
    if ((rc = args_device("sample", device, &dk))) return rc;
    if (dk != DEVICE_CPU && bf16) {
        fprintf(stderr, "rlhf sample: --bf16 is the CPU decoder's option; --device cuda decodes in fp32/TF32\n");
        return 2;
    }
    Dials dials;
    RlhfErr de;
    if (best_of != 0) {
        if (best_of < 1 || best_of > 1024 || (!judge_path && !harm_path) || dials_parse(dials_s, &dials, &de)) {
            fprintf(stderr, "rlhf sample: %s\n", best_of < 1 || best_of > 1024 ? "--best-of N: need 1..1024"
                            : (!judge_path && !harm_path) ? "--best-of needs --judge (and/or --judge-harm)" : de.msg);
            return 2;
        }
        num = best_of;
    }
    if (num < 1 || num > 1024) { fprintf(stderr, "rlhf sample: --num %d: need 1..1024\n", num); return 2; }
    if (max_new < 1) { fprintf(stderr, "rlhf sample: --max-new %d: need ≥ 1\n", max_new); return 2; }
    if (top_k < 0 || !(temperature >= 0.0f) || !(top_p > 0.0f)) {
        fprintf(stderr, "rlhf sample: need --top-k ≥ 0, --temperature ≥ 0, --top-p > 0\n");
        return 2;
    }
    /* copies, so escapes can be rewritten in place */
    char *ptext = strdup(prompt);
    char *stop_copy[SAMPLE_MAX_STOPS];
    for (int k = 0; k < n_stops; k++) {
        stop_copy[k] = strdup(stops[k]);
        if (stop_copy[k]) unescape(stop_copy[k]);
    }
    if (ptext) unescape(ptext);

    RlhfErr e = {{0}};
    GPT2 m;
    Tokenizer *tok = NULL;
    Sampler s;
    DevModel dm = {0};
    int sampler_ok = 0, model_ok = 0, ret = 1;
    TokIds ids = {0};
    TokBytes text = {0};
    int **rows = NULL, *lens = NULL;
    if (!ptext) { rlhf_err(&e, "out of memory"); goto done; }
    for (int k = 0; k < n_stops; k++)
        if (!stop_copy[k]) { rlhf_err(&e, "out of memory"); goto done; }
    if (load_model(model, tok_path, gpt2_dir, &m, &tok, &e)) goto done;
    model_ok = 1;
    if (tok_vocab_size(tok) > m.cfg.vocab_size) {
        rlhf_err(&e, "%s: tokenizer has %d tokens, the model only %d", model, tok_vocab_size(tok), m.cfg.vocab_size);
        goto done;
    }
    if (tok_encode(tok, ptext, strlen(ptext), 1, &ids, &e)) goto done;
    if (ids.n < 1) { rlhf_err(&e, "--prompt: empty prompt (no tokens)"); goto done; }
    if ((int)ids.n > m.cfg.max_seq_len) {
        rlhf_err(&e, "--prompt: %zu tokens, the model's context is %d", ids.n, m.cfg.max_seq_len);
        goto done;
    }
    if (dev_open(&dm, &m, dk, &e) || sampler_create_dev(&s, &dm, num, (int)ids.n, max_new, &e)) goto done;
    sampler_ok = 1;
    /* the model is only sampled from here on: its matrices go into the decode
     * layout in place (kvcache.h; exact fp32, no extra memory), or a bf16 copy */
    if (dk == DEVICE_CPU && (bf16 ? kv_use_bf16(&s.kv, &e) : !no_pack && kv_pack_model(&s.kv, &m, &e))) goto done;
    rows = calloc((size_t)num, sizeof *rows);
    lens = calloc((size_t)num, sizeof *lens);
    if (!rows || !lens) { rlhf_err(&e, "out of memory"); goto done; }
    for (int b = 0; b < num; b++) { rows[b] = ids.ids; lens[b] = (int)ids.n; }

    SamplerOpts o;
    sampler_opts_default(&o);
    o.temperature = temperature;
    o.top_k = top_k;
    o.top_p = top_p;
    o.max_new = max_new;
    o.seed = (uint64_t)seed;
    o.eot_id = no_eot ? -1 : tok_eot(tok);
    o.stop = (const char *const *)stop_copy;
    o.n_stop = n_stops;
    o.decode = tok_decode_cb;
    o.decode_ctx = tok;
    if (best_of > 0) {
        ret = best_of_n_run(&s, tok, ptext, best_of, &o, judge_path, harm_path, dials, json, dk, &e) ? 1 : 0;
        goto done;
    }
    double t0 = rlhf_now();
    if (sampler_generate_ragged(&s, (const int *const *)rows, lens, num, &o, &e)) goto done;
    double dt = rlhf_now() - t0;
    long total = 0;
    for (int b = 0; b < num; b++) {
        const SampleRow *r = sampler_row(&s, b);
        total += r->n;
        if (json) { print_json_row(r, b, tok); continue; }
        text.len = 0;
        if (tok_decode(tok, r->ids, (size_t)r->n_reply, &text, &e)) goto done;
        double lp = 0.0;
        for (int t = 0; t < r->n; t++) lp += r->logp[t];
        printf("=== sample %d: %d tokens, %s, log p %.3f ===\n", b, r->n, sample_finish_name(r->finish), lp);
        fwrite(text.data ? text.data : "", 1, text.len, stdout);
        printf("\n");
    }
    fprintf(stderr, "rlhf sample: %ld tokens in %.2f s (%.0f tokens/s)\n", total, dt, total / (dt > 0 ? dt : 1e-9));
    ret = 0;
done:
    if (ret) fprintf(stderr, "rlhf sample: %s\n", e.msg);
    if (sampler_ok) sampler_free(&s);
    dev_close(&dm);
    if (model_ok) gpt2_free(&m);
    if (tok) tok_free(tok);
    tok_ids_free(&ids);
    tok_bytes_free(&text);
    free(rows);
    free(lens);
    free(ptext);
    for (int k = 0; k < n_stops; k++) free(stop_copy[k]);
    return ret;
}
