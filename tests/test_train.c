/* test_train.c — the LM training loop: SFT loss mask, learning, and exact
 * resume after SIGKILL (same final loss bits and parameters as a run that was
 * never interrupted). */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "model/checkpoint.h"
#include "model/model_file.h"
#include "tokenizer/bpe_train.h"
#include "train/lm_data.h"
#include "train/lm_run.h"
#include "train/trainer.h"

static const char *DIR = "build/test_train";

static void write_corpus(const char *path, int n) {
    FILE *f = fopen(path, "w");
    const char *who[] = {"Ana", "Ben", "Cleo", "Dev"}, *day[] = {"Monday", "Tuesday", "Friday"};
    for (int i = 0; i < n; i++)
        fprintf(f, "Note %d: %s has a visit on %s at %d am. The clinic is open.\n", i, who[(i * 7) % 4],
                day[(i * 5 / 4) % 3], 8 + (i * 3) % 4);
    fclose(f);
}

static Tokenizer *small_tokenizer(void) {
    RlhfErr e;
    BpeTrainer *t = bpe_trainer_new(&e);
    const char *text = "\n\nHuman: Can I book a visit?\n\nAssistant: Yes, Monday at 9 works.";
    for (int i = 0; i < 20; i++) bpe_trainer_add(t, text, strlen(text), &e);
    const char *specials[] = {TOK_EOT_STRING};
    Tokenizer *tok = bpe_trainer_finish(t, 40, 2, specials, 1, NULL, &e);
    bpe_trainer_free(t);
    return tok;
}

TEST(sft_mask_covers_assistant_text_only) {
    Tokenizer *tok = small_tokenizer();
    REQUIRE(tok);
    const char *doc = "\n\nHuman: Can I book a visit?\n\nAssistant: Yes, Monday at 9 works.\n\nHuman: Thanks\n\nAssistant: Bye.";
    TokenData d;
    token_data_init(&d);
    TokIds ids = {0};
    RlhfErr e;
    REQUIRE(lm_data_add_doc(&d, tok, doc, strlen(doc), 1, &ids, &e) == 0);
    /* the ids equal encoding the whole transcript at once, plus EOT */
    TokIds whole = {0};
    REQUIRE(tok_encode(tok, doc, strlen(doc), 0, &whole, &e) == 0);
    REQUIRE(d.n == whole.n + 1);
    CHECK(memcmp(d.tokens, whole.ids, whole.n * sizeof(int)) == 0);
    CHECK(d.tokens[d.n - 1] == tok_eot(tok) && d.train[d.n - 1] == 1);
    /* decode the trained tokens: exactly the replies and the Human marker that ends the first */
    TokBytes out = {0};
    for (size_t i = 0; i < d.n - 1; i++)
        if (d.train[i]) REQUIRE(tok_decode(tok, &d.tokens[i], 1, &out, &e) == 0);
    CHECK_STR(out.data, " Yes, Monday at 9 works.\n\nHuman: Bye.");
    tok_bytes_free(&out);
    tok_ids_free(&ids);
    tok_ids_free(&whole);
    token_data_free(&d);
    tok_free(tok);
}

static void base_opts(LmRunOpts *o, const char **inputs, const char *out) {
    lm_run_defaults(o);
    o->inputs = inputs;
    o->ninputs = 1;
    o->out = out;
    o->vocab_size = 300;
    o->cfg = (GPT2Config){.max_seq_len = 32, .n_layer = 2, .n_head = 2, .n_embd = 32};
    o->train.B = 4;
    o->train.T = 32;
    o->train.steps = 60;
    o->train.warmup = 5;
    o->train.lr = 3e-3f;
    o->train.eval_every = 20;
    o->train.ckpt_every = 1000;
    o->val_frac = 0.1;
    o->chunk_bytes = 256;
    o->quiet = 1;
}

TEST(pretraining_learns_a_regular_corpus) {
    mkdir("build", 0755); mkdir(DIR, 0755);
    char corpus[256], out[256];
    snprintf(corpus, sizeof corpus, "%s/corpus.txt", DIR);
    snprintf(out, sizeof out, "%s/learn.ckpt", DIR);
    write_corpus(corpus, 400);
    const char *inputs[] = {corpus};
    LmRunOpts o;
    base_opts(&o, inputs, out);
    RlhfErr e;
    REQUIRE(lm_run(&o, &e) == 0);
    GPT2 m; char *js = NULL;
    REQUIRE(ckpt_load(out, &m, NULL, &js, NULL, &e) == 0);
    TrainState st;
    REQUIRE(train_state_from_json(js, &st, &e) == 0);
    CHECK(st.step == 60);
    /* uniform over ~300 tokens is ln(300) = 5.7; the corpus is mostly predictable */
    CHECK_MSG(st.last_val < 2.5f, "held-out loss %.3f not below 2.5", st.last_val);
    CHECK_MSG(st.last_loss < 2.5f, "training loss %.3f not below 2.5", st.last_loss);
    free(js);
    gpt2_free(&m);
}

static pid_t spawn(const char *bin, char *const args[]) {
    pid_t p = fork();
    if (p == 0) {
        int fd = open("/dev/null", 1);
        dup2(fd, 2);
        execv(bin, args);
        _exit(127);
    }
    return p;
}

TEST(resume_after_sigkill_is_exact) {
    const char *bin = getenv("RLHF_BIN");
    if (!bin) SKIP("RLHF_BIN not set (run through make test)");
    char corpus[256], a[256], b[256];
    snprintf(corpus, sizeof corpus, "%s/corpus2.txt", DIR);
    snprintf(a, sizeof a, "%s/straight.ckpt", DIR);
    snprintf(b, sizeof b, "%s/killed.ckpt", DIR);
    write_corpus(corpus, 300);
    unlink(a); unlink(b);
    char *common[] = {"--vocab-size", "300", "--layers", "2", "--heads", "2", "--width", "32", "--context", "32",
                      "--batch", "4", "--seq", "32", "--steps", "40", "--ckpt-every", "5", "--eval-every", "10",
                      "--threads", "2", "--chunk-bytes", "256", "--lr", "3e-3", corpus};
    int nc = (int)(sizeof common / sizeof common[0]);
    char *args[64];
    int k = 0;
    args[k++] = (char *)bin; args[k++] = "pretrain"; args[k++] = "--out"; args[k++] = a;
    for (int i = 0; i < nc; i++) args[k++] = common[i];
    args[k] = NULL;
    int status;
    pid_t p = spawn(bin, args);
    waitpid(p, &status, 0);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* the same run, killed once its first checkpoint exists, then resumed */
    args[3] = b;
    p = spawn(bin, args);
    for (int i = 0; i < 3000 && !rlhf_file_exists(b); i++) usleep(10000);
    usleep(50000);
    kill(p, SIGKILL);
    waitpid(p, &status, 0);
    CHECK(WIFSIGNALED(status));
    RlhfErr e;
    GPT2 mb; char *jb = NULL;
    REQUIRE(ckpt_load(b, &mb, NULL, &jb, NULL, &e) == 0);
    TrainState sb;
    REQUIRE(train_state_from_json(jb, &sb, &e) == 0);
    CHECK_MSG(sb.step < 40, "the kill came too late (step %ld)", sb.step);
    free(jb); gpt2_free(&mb);
    args[k++] = "--resume";
    args[k] = NULL;
    p = spawn(bin, args);
    waitpid(p, &status, 0);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    GPT2 ma; char *ja = NULL;
    REQUIRE(ckpt_load(a, &ma, NULL, &ja, NULL, &e) == 0);
    REQUIRE(ckpt_load(b, &mb, NULL, &jb, NULL, &e) == 0);
    TrainState sa;
    train_state_from_json(ja, &sa, &e);
    train_state_from_json(jb, &sb, &e);
    CHECK(sa.step == 40 && sb.step == 40);
    CHECK_MSG(memcmp(&sa.last_loss, &sb.last_loss, sizeof(float)) == 0, "final loss %.9g vs %.9g", sa.last_loss,
              sb.last_loss);
    CHECK(ma.num_params == mb.num_params &&
          memcmp(ma.param_mem, mb.param_mem, ma.num_params * sizeof(float)) == 0);
    free(ja); free(jb);
    gpt2_free(&ma); gpt2_free(&mb);
}

int main(void) {
    RUN(sft_mask_covers_assistant_text_only);
    RUN(pretraining_learns_a_regular_corpus);
    RUN(resume_after_sigkill_is_exact);
    return test_summary();
}
