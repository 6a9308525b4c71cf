/* bench_server.c — HTTP handlers of the comparison bench; see bench_server.h.
 *
 * Each request borrows one database connection from a pool (one per HTTP
 * thread), so handlers never share a connection. */
#include "bench/bench_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_crypto.h"
#include "bench/bench_db.h"
#include "bench/bench_html.h"
#include "util/json.h"

#define COOKIE "bench_session"

struct BenchServer {
    BenchServerConfig cfg;
    struct MHD_Daemon *d;
    int port;
    BenchDb **pool;
    int *busy;
    int npool;
    pthread_mutex_t pool_mu, reply_mu, write_mu;
    pthread_cond_t pool_cv;
};

/* ---- connection pool ---- */

static BenchDb *pool_get(BenchServer *s, int *slot) {
    pthread_mutex_lock(&s->pool_mu);
    for (;;) {
        for (int i = 0; i < s->npool; i++)
            if (!s->busy[i]) { s->busy[i] = 1; *slot = i; pthread_mutex_unlock(&s->pool_mu); return s->pool[i]; }
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    }
}

static void pool_put(BenchServer *s, int slot) {
    pthread_mutex_lock(&s->pool_mu);
    s->busy[slot] = 0;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- per-request state: the body, capped ---- */

typedef struct Req {
    char *body;
    size_t len, cap;
    int too_big;
} Req;

typedef struct Ctx {
    BenchServer *s;
    struct MHD_Connection *c;
    BenchDb *db;
    const char *method, *url;
    Req *req;
    BenchUser user;
    int signed_in;
    char csrf[65];
    char token[65];
} Ctx;

/* ---- responses ---- */

static enum MHD_Result send_buf(Ctx *x, unsigned status, const char *ctype, const char *data, size_t n,
                                const char *set_cookie, const char *location, const char *nonce) {
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    /* same-origin (not no-referrer): browsers then send our real Origin on our own
     * POSTs and "null" or a foreign origin on anyone else's, which origin_ok refuses */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    char csp[256];
    if (nonce)
        snprintf(csp, sizeof csp, "default-src 'none'; connect-src 'self'; form-action 'self'; "
                 "frame-ancestors 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'", nonce, nonce);
    else
        snprintf(csp, sizeof csp, "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (set_cookie) MHD_add_response_header(r, "Set-Cookie", set_cookie);
    if (location) MHD_add_response_header(r, "Location", location);
    enum MHD_Result ret = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json_error(Ctx *x, unsigned status, const char *msg) {
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b); jb_kv_bool(&b, "ok", 0); jb_kv_str(&b, "error", msg); jb_obj_end(&b);
    enum MHD_Result r = send_buf(x, status, "application/json", b.data ? b.data : "{}", b.data ? b.len : 2, NULL, NULL, NULL);
    jb_free(&b);
    return r;
}

static enum MHD_Result send_json(Ctx *x, unsigned status, JsonBuf *b) {
    if (b->oom) return send_json_error(x, 500, "out of memory");
    return send_buf(x, status, "application/json", b->data, b->len, NULL, NULL, NULL);
}

static enum MHD_Result redirect(Ctx *x, const char *to, const char *cookie) {
    return send_buf(x, 303, "text/plain", "", 0, cookie, to, NULL);
}

static int is_api(const char *url) { return !strncmp(url, "/api/", 5); }

/* ---- pages ---- */

static const char STYLE[] =
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}"
    "header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center}"
    "header a{color:#cfe0ff;text-decoration:none}header form{margin-left:auto}"
    "main{max-width:980px;margin:1.2em auto;padding:0 1em}"
    ".turn{background:#fff;border-radius:8px;padding:.6em .9em;margin:.5em 0;white-space:pre-wrap}"
    ".turn.human{border-left:4px solid #3d7be0}.turn.assistant{border-left:4px solid #8a8f99}"
    ".who{font-size:.8em;color:#667;font-weight:600}"
    ".cards{display:flex;gap:1em;margin:1em 0}.card{flex:1;background:#fff;border:2px solid #d5d9e0;border-radius:10px;"
    "padding:.8em 1em;white-space:pre-wrap;cursor:pointer}.card.picked{border-color:#2c9a51;box-shadow:0 0 0 3px #bfe8cc}"
    ".card h3{margin:0 0 .4em;font-size:1em}.scale{display:flex;gap:.6em;flex-wrap:wrap;margin:.6em 0}"
    ".scale label{background:#fff;border:1px solid #ccd;border-radius:6px;padding:.3em .6em}"
    ".hint{color:#667;font-size:.85em}.banner{padding:.6em 1em;border-radius:8px;background:#fff3cd;margin:.6em 0}"
    ".err{background:#fde2e1}button{font:inherit;padding:.4em 1em;border-radius:6px;border:1px solid #99a;background:#fff;cursor:pointer}"
    "button.primary{background:#2c6bd6;color:#fff;border-color:#2c6bd6}textarea{width:100%;min-height:5em;font:inherit}"
    "table{border-collapse:collapse;background:#fff}td,th{border:1px solid #dde;padding:.3em .7em;text-align:right}"
    "th:first-child,td:first-child{text-align:left}kbd{border:1px solid #aab;border-radius:4px;padding:0 .3em;background:#fff}";

static void page_begin(Ctx *x, JsonBuf *b, const char *title, const char *nonce) {
    jb_raw(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
    html_esc(b, title);
    jb_raw(b, " · rlhf bench</title>");
    if (x->signed_in) { jb_raw(b, "<meta name=\"csrf\" content=\""); html_esc(b, x->csrf); jb_raw(b, "\">"); }
    jb_printf(b, "<style nonce=\"%s\">%s</style></head><body><header><strong>rlhf bench</strong>", nonce, STYLE);
    if (x->signed_in) {
        jb_raw(b, "<a href=\"/task?mode=helpful\">Helpfulness</a><a href=\"/task?mode=redteam\">Red team</a>"
                  "<a href=\"/guidelines\">Guidelines</a>");
        if (!strcmp(x->user.role, "admin")) jb_raw(b, "<a href=\"/admin\">Admin</a>");
        jb_raw(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
        html_esc(b, x->csrf);
        jb_raw(b, "\"><span>");
        html_esc(b, x->user.name);
        jb_raw(b, "</span> <button type=\"submit\">Sign out</button></form>");
    }
    jb_raw(b, "</header><main>");
}

static enum MHD_Result page_end(Ctx *x, JsonBuf *b, unsigned status, const char *nonce, const char *cookie) {
    jb_raw(b, "</main></body></html>");
    if (b->oom) return send_json_error(x, 500, "out of memory");
    return send_buf(x, status, "text/html; charset=utf-8", b->data, b->len, cookie, NULL, nonce);
}

static void new_nonce(char out[33]) {
    uint8_t r[16];
    if (bench_random_bytes(r, sizeof r, NULL)) memset(r, 7, sizeof r);
    bench_hex(r, sizeof r, out);
}

static enum MHD_Result html_error(Ctx *x, unsigned status, const char *msg) {
    if (is_api(x->url)) return send_json_error(x, status, msg);
    char nonce[33];
    new_nonce(nonce);
    JsonBuf b;
    jb_init(&b);
    page_begin(x, &b, "Error", nonce);
    jb_raw(&b, "<div class=\"banner err\">");
    html_esc(&b, msg);
    jb_raw(&b, "</div>");
    enum MHD_Result r = page_end(x, &b, status, nonce, NULL);
    jb_free(&b);
    return r;
}

static enum MHD_Result page_login(Ctx *x, unsigned status, const char *msg) {
    char nonce[33];
    new_nonce(nonce);
    JsonBuf b;
    jb_init(&b);
    page_begin(x, &b, "Sign in", nonce);
    jb_raw(&b, "<h1>Sign in</h1>");
    if (msg) { jb_raw(&b, "<div class=\"banner err\">"); html_esc(&b, msg); jb_raw(&b, "</div>"); }
    jb_raw(&b, "<form method=\"post\" action=\"/login\"><p><label>Name<br><input name=\"name\" autocomplete=\"username\" "
               "autofocus required maxlength=\"63\"></label></p><p><label>Password<br><input name=\"password\" "
               "type=\"password\" autocomplete=\"current-password\" required></label></p>"
               "<p><button class=\"primary\" type=\"submit\">Sign in</button></p></form>");
    enum MHD_Result r = page_end(x, &b, status, nonce, NULL);
    jb_free(&b);
    return r;
}

static enum MHD_Result page_guidelines(Ctx *x) {
    char nonce[33];
    new_nonce(nonce);
    JsonBuf b;
    jb_init(&b);
    page_begin(x, &b, "Reviewer guidelines", nonce);
    const char *path = x->s->cfg.guidelines_path ? x->s->cfg.guidelines_path : "docs/reviewer-guidelines.md";
    char *md = NULL;
    size_t n;
    if (rlhf_read_file(path, &md, &n, NULL) == 0 && bench_valid_utf8(md, n)) {
        jb_raw(&b, "<article>");
        html_markdown(&b, md);
        jb_raw(&b, "</article>");
    } else {
        jb_raw(&b, "<h1>Reviewer guidelines</h1><p>The full guidelines are not installed on this server yet. In short:</p><ul>"
                   "<li><strong>Helpfulness</strong>: pick the reply that best helps the person, honestly and harmlessly.</li>"
                   "<li><strong>Red team</strong>: write messages that try to make the assistant misbehave, then pick the "
                   "<em>more harmful</em> reply.</li><li>Use the strength scale: 1 = slightly better, 4 = much better.</li>"
                   "<li>Skip a task you cannot judge.</li></ul>");
    }
    free(md);
    enum MHD_Result r = page_end(x, &b, 200, nonce, NULL);
    jb_free(&b);
    return r;
}

static const char TASK_JS[] =
    "(function(){"
    "var root=document.getElementById('task');if(!root)return;"
    "var csrf=document.querySelector('meta[name=csrf]').content;"
    "var mode=root.dataset.mode,pick=null,strength=0,t0=Date.now(),busy=false,cmp=null,done=false;"
    "var key='k'+Date.now().toString(36)+Array.from(crypto.getRandomValues(new Uint8Array(12)),function(v){return(v%36).toString(36)}).join('');"
    "var cards=document.querySelectorAll('.card'),msg=document.getElementById('msg');"
    "function say(t,bad){msg.textContent=t;msg.className='banner'+(bad?' err':'');msg.hidden=false}"
    "function choose(i){if(done)return;pick=cards[i].dataset.choice;cards.forEach(function(c,j){c.classList.toggle('picked',j==i)})}"
    "function setS(n){if(done)return;strength=n;var r=document.querySelector('input[name=strength][value=\"'+n+'\"]');if(r)r.checked=true}"
    "cards.forEach(function(c,i){c.addEventListener('click',function(){choose(i)})});"
    "document.querySelectorAll('input[name=strength]').forEach(function(r){r.addEventListener('change',function(){strength=+r.value})});"
    "function post(url,body,tries){return fetch(url,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},body:JSON.stringify(body)})"
    ".then(function(r){return r.json().then(function(j){j.status=r.status;return j})})"
    ".catch(function(err){if(tries>0)return new Promise(function(ok){setTimeout(ok,500)}).then(function(){return post(url,body,tries-1)});throw err})}"
    "function submit(choice){if(busy||done)return;if(choice!='skip'&&!pick){say('Pick A or B first (keys A / B).',1);return}"
    "if(choice!='skip'&&!strength){say('Choose a strength 1-4 first.',1);return}busy=true;"
    "post('/api/comparisons',{task_id:+root.dataset.task,choice:choice=='skip'?'skip':pick,strength:choice=='skip'?0:strength,"
    "order:root.dataset.order,elapsed_ms:Date.now()-t0,idempotency_key:key},3).then(function(j){busy=false;"
    "if(!j.ok){say(j.error||'error',1);return}done=true;cmp=j.comparison_id;"
    "if(choice=='skip'){location.href='/task?mode='+mode;return}"
    "say('Saved. Write the next human message to continue this conversation (Ctrl+Enter), or press N for a new task.');"
    "var f=document.getElementById('cont');f.hidden=false;document.getElementById('next').focus()})"
    ".catch(function(){busy=false;say('Network error: not saved. Press Enter to retry.',1)})}"
    "function cont(){var t=document.getElementById('next').value.trim();if(!t||busy)return;busy=true;"
    "post('/api/continue',{comparison_id:cmp,message:t},3).then(function(j){busy=false;if(!j.ok){say(j.error||'error',1);return}"
    "location.href='/task?mode='+mode}).catch(function(){busy=false;say('Network error: press Ctrl+Enter to retry.',1)})}"
    "document.getElementById('send').addEventListener('click',cont);"
    "document.getElementById('go').addEventListener('click',function(){submit('pick')});"
    "document.getElementById('skip').addEventListener('click',function(){submit('skip')});"
    "document.addEventListener('keydown',function(ev){var k=ev.key;"
    "if(ev.target.tagName=='TEXTAREA'){if(k=='Enter'&&(ev.ctrlKey||ev.metaKey)){ev.preventDefault();cont()}"
    "else if(k=='Escape'){ev.target.blur()}return}"
    "if(ev.target.tagName=='INPUT'&&ev.target.type!='radio')return;"
    "if(k=='a'||k=='A'||k=='ArrowLeft')choose(0);else if(k=='b'||k=='B'||k=='ArrowRight')choose(1);"
    "else if(k>='1'&&k<='4')setS(+k);else if(k=='Enter'){ev.preventDefault();if(!done)submit('pick');}"
    "else if(k=='s'||k=='S')submit('skip');else if((k=='n'||k=='N')&&done)location.href='/task?mode='+mode;})"
    "})();";

static const char REDTEAM_JS[] =
    "(function(){var f=document.getElementById('rtform');if(!f)return;"
    "var csrf=document.querySelector('meta[name=csrf]').content,m=document.getElementById('rtmsg');"
    "f.addEventListener('submit',function(ev){ev.preventDefault();var t=m.value.trim();if(!t)return;"
    "fetch('/api/redteam',{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},"
    "body:JSON.stringify({message:t})}).then(function(r){return r.json()}).then(function(j){"
    "if(j.ok)location.href='/task?mode=redteam';else alert(j.error)})});"
    "m.addEventListener('keydown',function(ev){if(ev.key=='Enter'&&(ev.ctrlKey||ev.metaKey)){ev.preventDefault();f.requestSubmit()}})})();";

static enum MHD_Result page_task(Ctx *x, const char *mode) {
    BenchTask t;
    RlhfErr e;
    int rc = bench_db_task_next(x->db, x->user.id, mode, x->s->cfg.max_per_task, &t, &e);
    if (rc < 0) { fprintf(stderr, "bench: %s\n", e.msg); return html_error(x, 500, "database error"); }
    int red = !strcmp(mode, "redteam");
    char nonce[33];
    new_nonce(nonce);
    JsonBuf b;
    jb_init(&b);
    page_begin(x, &b, red ? "Red team" : "Helpfulness", nonce);
    if (red && x->s->cfg.reply_fn) {
        jb_raw(&b, "<details" );
        if (rc == 1) jb_raw(&b, " open");
        jb_raw(&b, "><summary>Start a new red-team conversation</summary><form id=\"rtform\"><p class=\"hint\">"
                   "Write a message that tries to make the assistant say something harmful.</p>"
                   "<textarea id=\"rtmsg\" maxlength=\"65536\"></textarea><p><button class=\"primary\">Send (Ctrl+Enter)</button></p>"
                   "</form></details>");
    }
    if (rc == 1) {
        jb_printf(&b, "<h1>No %s tasks left</h1><p>Thank you! Every task in this queue has been answered.</p>",
                  red ? "red-team" : "helpfulness");
    } else {
        uint8_t coin = 0;
        bench_random_bytes(&coin, 1, NULL);
        int swap = coin & 1;   /* left card: reply b when swapped */
        jb_printf(&b, "<div id=\"task\" data-task=\"%lld\" data-mode=\"%s\" data-order=\"%s\">", t.id, red ? "redteam" : "helpful",
                  swap ? "ba" : "ab");
        jb_printf(&b, "<h1>%s</h1><p class=\"hint\">%s Turn %d. Keys: <kbd>A</kbd>/<kbd>B</kbd> pick, <kbd>1</kbd>-<kbd>4</kbd> "
                      "strength, <kbd>Enter</kbd> submit, <kbd>S</kbd> skip.</p>",
                  red ? "Which reply is more harmful?" : "Which reply is more helpful?",
                  red ? "Pick the reply that is <strong>more harmful</strong>." : "Pick the reply that is <strong>more helpful</strong> (and honest and harmless).",
                  t.turn);
        jb_raw(&b, "<section class=\"conversation\">");
        html_conversation(&b, t.conversation);
        jb_raw(&b, "</section><div class=\"cards\">");
        for (int side = 0; side < 2; side++) {
            int is_a = (side == 0) != swap;
            jb_printf(&b, "<div class=\"card\" data-choice=\"%s\" tabindex=\"0\"><h3>%s</h3>", is_a ? "a" : "b", side ? "B" : "A");
            html_esc(&b, is_a ? t.reply_a : t.reply_b);
            jb_raw(&b, "</div>");
        }
        jb_printf(&b, "</div><div class=\"scale\"><span>%s by how much?</span>", red ? "More harmful" : "Better");
        static const char *labels[] = {"slightly", "somewhat", "clearly", "much"};
        for (int i = 1; i <= 4; i++)
            jb_printf(&b, "<label><input type=\"radio\" name=\"strength\" value=\"%d\"> %d %s</label>", i, i, labels[i - 1]);
        jb_raw(&b, "</div><p><button class=\"primary\" id=\"go\">Submit (Enter)</button> <button id=\"skip\">Skip (S)</button></p>"
                   "<div id=\"msg\" hidden></div><div id=\"cont\" hidden><textarea id=\"next\" maxlength=\"65536\" "
                   "placeholder=\"Next human message\"></textarea><p><button class=\"primary\" id=\"send\">Continue (Ctrl+Enter)</button> "
                   "<a href=\"/task?mode=");
        jb_raw(&b, red ? "redteam" : "helpful");
        jb_raw(&b, "\">New task (N)</a></p></div></div>");
        jb_printf(&b, "<script nonce=\"%s\">%s</script>", nonce, TASK_JS);
        bench_task_free(&t);
    }
    if (red && x->s->cfg.reply_fn) jb_printf(&b, "<script nonce=\"%s\">%s</script>", nonce, REDTEAM_JS);
    enum MHD_Result r = page_end(x, &b, 200, nonce, NULL);
    jb_free(&b);
    return r;
}

static void pct(JsonBuf *b, long long num, long long den) {
    if (den > 0) jb_printf(b, "%.1f%% (%lld/%lld)", 100.0 * (double)num / (double)den, num, den);
    else jb_raw(b, "–");
}

static enum MHD_Result page_admin(Ctx *x) {
    BenchStats st;
    RlhfErr e;
    if (bench_db_stats(x->db, &st, &e)) { fprintf(stderr, "bench: %s\n", e.msg); return html_error(x, 500, "database error"); }
    char nonce[33];
    new_nonce(nonce);
    JsonBuf b;
    jb_init(&b);
    page_begin(x, &b, "Admin", nonce);
    jb_printf(&b, "<h1>Progress</h1><p>%lld tasks (%lld ready), %lld answered at least once; %lld answers, %lld skips.</p>",
              st.tasks, st.tasks_ready, st.tasks_answered, st.comparisons - st.skips, st.skips);
    jb_raw(&b, "<p>Agreement between reviewers on overlapping tasks: ");
    pct(&b, st.overlap_agree, st.overlap_pairs);
    jb_raw(&b, ". Agreement with planted gold tasks: ");
    pct(&b, st.gold_agree, st.gold_n);
    jb_raw(&b, ".</p><h2>Reviewers</h2><table><tr><th>Reviewer</th><th>Answers</th><th>Skips</th><th>s / answer</th>"
               "<th>answers / hour</th><th>Gold agreement</th><th>Agreement with others</th></tr>");
    for (int i = 0; i < st.nreviewers; i++) {
        BenchReviewerStats *r = &st.reviewers[i];
        jb_raw(&b, "<tr><td>");
        html_esc(&b, r->name);
        jb_printf(&b, "</td><td>%lld</td><td>%lld</td><td>%.1f</td><td>%.0f</td><td>", r->n - r->skips, r->skips,
                  r->mean_seconds, r->per_hour);
        pct(&b, r->gold_agree, r->gold_n);
        jb_raw(&b, "</td><td>");
        pct(&b, r->pair_agree, r->pair_n);
        jb_raw(&b, "</td></tr>");
    }
    jb_raw(&b, "</table><p class=\"hint\">Low gold agreement or very short times per answer point at drift or shortcuts. "
               "JSON: <a href=\"/api/admin/stats\">/api/admin/stats</a></p>");
    bench_stats_free(&st);
    enum MHD_Result r = page_end(x, &b, 200, nonce, NULL);
    jb_free(&b);
    return r;
}

static enum MHD_Result api_admin_stats(Ctx *x) {
    BenchStats st;
    RlhfErr e;
    if (bench_db_stats(x->db, &st, &e)) { fprintf(stderr, "bench: %s\n", e.msg); return send_json_error(x, 500, "database error"); }
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_bool(&b, "ok", 1);
    jb_kv_int(&b, "tasks", st.tasks); jb_kv_int(&b, "tasks_ready", st.tasks_ready);
    jb_kv_int(&b, "tasks_answered", st.tasks_answered); jb_kv_int(&b, "comparisons", st.comparisons);
    jb_kv_int(&b, "skips", st.skips); jb_kv_int(&b, "overlap_pairs", st.overlap_pairs);
    jb_kv_int(&b, "overlap_agree", st.overlap_agree); jb_kv_int(&b, "gold_n", st.gold_n);
    jb_kv_int(&b, "gold_agree", st.gold_agree);
    jb_key(&b, "reviewers");
    jb_arr_begin(&b);
    for (int i = 0; i < st.nreviewers; i++) {
        BenchReviewerStats *r = &st.reviewers[i];
        jb_comma(&b);
        jb_obj_begin(&b);
        jb_kv_str(&b, "name", r->name); jb_kv_int(&b, "answers", r->n - r->skips); jb_kv_int(&b, "skips", r->skips);
        jb_kv_num(&b, "mean_seconds", r->mean_seconds); jb_kv_num(&b, "per_hour", r->per_hour);
        jb_kv_int(&b, "gold_n", r->gold_n); jb_kv_int(&b, "gold_agree", r->gold_agree);
        jb_kv_int(&b, "pair_n", r->pair_n); jb_kv_int(&b, "pair_agree", r->pair_agree);
        jb_obj_end(&b);
    }
    jb_arr_end(&b);
    jb_obj_end(&b);
    bench_stats_free(&st);
    enum MHD_Result r = send_json(x, 200, &b);
    jb_free(&b);
    return r;
}

/* ---- input parsing ---- */

static int hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Value of `key` in an application/x-www-form-urlencoded body, decoded into out.
 * 0 found, 1 absent, -1 malformed / too long / not UTF-8. */
static int form_get(const char *body, size_t len, const char *key, char *out, size_t cap) {
    size_t kl = strlen(key);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && body[j] != '&') j++;
        if (j - i > kl && !strncmp(body + i, key, kl) && body[i + kl] == '=') {
            size_t o = 0;
            for (size_t k = i + kl + 1; k < j; k++) {
                char c = body[k];
                if (c == '+') c = ' ';
                else if (c == '%') {
                    if (k + 2 >= j) return -1;
                    int h = hexval(body[k + 1]), l = hexval(body[k + 2]);
                    if (h < 0 || l < 0) return -1;
                    c = (char)(h * 16 + l);
                    k += 2;
                }
                if (o + 1 >= cap) return -1;
                out[o++] = c;
            }
            out[o] = 0;
            return bench_valid_utf8(out, o) ? 0 : -1;
        }
        i = j + 1;
    }
    return 1;
}

/* Parses the JSON body of an API request into an object; sends the 4xx itself on failure. */
static JsonDoc *api_body(Ctx *x, enum MHD_Result *ret) {
    const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16)) {
        *ret = send_json_error(x, 415, "Content-Type must be application/json");
        return NULL;
    }
    Req *q = x->req;
    if (!q->body || q->len == 0) { *ret = send_json_error(x, 400, "empty body: expected a JSON object"); return NULL; }
    if (!bench_valid_utf8(q->body, q->len)) { *ret = send_json_error(x, 400, "body is not valid UTF-8"); return NULL; }
    RlhfErr e;
    JsonDoc *d = json_parse(q->body, q->len, &e);
    if (!d) {
        char m[1100];
        snprintf(m, sizeof m, "malformed JSON: %s", e.msg);
        *ret = send_json_error(x, 400, m);
        return NULL;
    }
    if (!json_root(d) || json_root(d)->type != JSON_OBJECT) {
        json_doc_free(d);
        *ret = send_json_error(x, 400, "body must be a JSON object");
        return NULL;
    }
    return d;
}

/* Every key must be one of `allowed` (NULL-terminated); returns the first that is not. */
static const char *unknown_key(const JsonValue *o, const char *const *allowed) {
    for (size_t i = 0; i < o->len; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) if (!strcmp(o->keys[i], *a)) ok = 1;
        if (!ok) return o->keys[i];
    }
    return NULL;
}

/* An integer member in [lo, hi]: 0 ok, 1 absent, -1 wrong type or range. */
static int get_int(const JsonValue *o, const char *key, long long lo, long long hi, long long *out) {
    const JsonValue *v = json_get(o, key);
    if (!v) return 1;
    /* range first: casting a double beyond long long (1e300) is undefined behaviour */
    if (v->type != JSON_NUMBER || !(v->number >= (double)lo && v->number <= (double)hi) ||
        v->number != (double)(long long)v->number)
        return -1;
    *out = (long long)v->number;
    return 0;
}

static const char *get_string(const JsonValue *o, const char *key, int *bad) {
    const JsonValue *v = json_get(o, key);
    *bad = 0;
    if (!v) return NULL;
    if (v->type != JSON_STRING || strlen(v->str) != v->len) { *bad = 1; return NULL; }
    return v->str;
}

/* ---- API ---- */

static enum MHD_Result api_compare(Ctx *x) {
    enum MHD_Result ret;
    JsonDoc *d = api_body(x, &ret);
    if (!d) return ret;
    JsonValue *o = json_root(d);
    static const char *const allowed[] = {"task_id", "choice", "strength", "order", "elapsed_ms", "idempotency_key", NULL};
    char m[1200];
    const char *uk = unknown_key(o, allowed);
    BenchComparison c = {.user_id = x->user.id};
    int bad;
    if (uk) { snprintf(m, sizeof m, "field '%.64s': unknown", uk); goto reject; }
    int rc = get_int(o, "task_id", 1, (long long)1 << 53, &c.task_id);
    if (rc) { snprintf(m, sizeof m, "field 'task_id': %s", rc > 0 ? "missing" : "must be a positive integer"); goto reject; }
    const char *choice = get_string(o, "choice", &bad);
    if (!choice || (strcmp(choice, "a") && strcmp(choice, "b") && strcmp(choice, "skip"))) {
        snprintf(m, sizeof m, "field 'choice': %s", bad || choice ? "must be \"a\", \"b\" or \"skip\"" : "missing");
        goto reject;
    }
    snprintf(c.choice, sizeof c.choice, "%s", choice);
    long long strength = 0;
    rc = get_int(o, "strength", 0, BENCH_MAX_STRENGTH, &strength);
    if (rc < 0 || (strcmp(choice, "skip") && (rc > 0 || strength < 1))) {
        snprintf(m, sizeof m, "field 'strength': must be an integer from 1 to %d", BENCH_MAX_STRENGTH);
        goto reject;
    }
    c.strength = (int)strength;
    const char *order = get_string(o, "order", &bad);
    if (bad || (order && strcmp(order, "ab") && strcmp(order, "ba"))) {
        snprintf(m, sizeof m, "field 'order': must be \"ab\" or \"ba\"");
        goto reject;
    }
    snprintf(c.shown_order, sizeof c.shown_order, "%s", order ? order : "ab");
    if (get_int(o, "elapsed_ms", 0, 86400000LL * 7, &c.elapsed_ms) < 0) {
        snprintf(m, sizeof m, "field 'elapsed_ms': must be a non-negative integer");
        goto reject;
    }
    const char *key = get_string(o, "idempotency_key", &bad);
    RlhfErr e;
    if (bad || bench_check_idem_key(key, &e)) {
        snprintf(m, sizeof m, "%s", bad ? "field 'idempotency_key': must be a string" : e.msg);
        goto reject;
    }
    snprintf(c.idem_key, sizeof c.idem_key, "%s", key);
    json_doc_free(d);
    rc = bench_db_comparison_add(x->db, &c, &e);
    switch (rc) {
    case BENCH_CMP_NEW: case BENCH_CMP_DUPLICATE: {
        JsonBuf b;
        jb_init(&b);
        jb_obj_begin(&b);
        jb_kv_bool(&b, "ok", 1); jb_kv_int(&b, "comparison_id", c.id); jb_kv_bool(&b, "duplicate", rc == BENCH_CMP_DUPLICATE);
        jb_kv_str(&b, "choice", c.choice);
        jb_obj_end(&b);
        ret = send_json(x, rc == BENCH_CMP_NEW ? 201 : 200, &b);
        jb_free(&b);
        return ret;
    }
    case BENCH_CMP_UNKNOWN_TASK:
        snprintf(m, sizeof m, "task %lld: no such task", c.task_id);
        return send_json_error(x, 404, m);
    case BENCH_CMP_CONFLICT:
        return send_json_error(x, 409, "already answered: this task has an answer from you, or the idempotency key was used for another answer");
    case BENCH_CMP_NOT_READY:
        snprintf(m, sizeof m, "task %lld: not open to you for answers", c.task_id);
        return send_json_error(x, 409, m);
    default:
        if (strstr(e.msg, "field '")) return send_json_error(x, 400, e.msg);
        fprintf(stderr, "bench: %s\n", e.msg);
        return send_json_error(x, 500, "database error");
    }
reject:
    json_doc_free(d);
    return send_json_error(x, 400, m);
}

/* Samples replies for a task's conversation with the live model, if there is one. */
static int live_replies(BenchServer *s, const char *conv, char **a, char **b) {
    *a = *b = NULL;
    if (!s->cfg.reply_fn) return 1;
    pthread_mutex_lock(&s->reply_mu);
    int rc = s->cfg.reply_fn(s->cfg.reply_ctx, conv, a, b);
    pthread_mutex_unlock(&s->reply_mu);
    if (rc || !*a || !*b || !bench_valid_utf8(*a, strlen(*a)) || !bench_valid_utf8(*b, strlen(*b))) {
        free(*a); free(*b); *a = *b = NULL;
        return -1;
    }
    return 0;
}

static enum MHD_Result api_continue(Ctx *x) {
    enum MHD_Result ret;
    JsonDoc *d = api_body(x, &ret);
    if (!d) return ret;
    JsonValue *o = json_root(d);
    static const char *const allowed[] = {"comparison_id", "message", NULL};
    const char *uk = unknown_key(o, allowed);
    char m[1200];
    long long cid = 0;
    int bad, rc;
    const char *msg = get_string(o, "message", &bad);
    if (uk) snprintf(m, sizeof m, "field '%.64s': unknown", uk);
    else if ((rc = get_int(o, "comparison_id", 1, (long long)1 << 53, &cid)) != 0)
        snprintf(m, sizeof m, "field 'comparison_id': %s", rc > 0 ? "missing" : "must be a positive integer");
    else if (!msg || !*msg || strlen(msg) > BENCH_MAX_TEXT)
        snprintf(m, sizeof m, "field 'message': must be a string of 1 to %d bytes", BENCH_MAX_TEXT);
    else m[0] = 0;
    if (m[0]) { json_doc_free(d); return send_json_error(x, 400, m); }
    RlhfErr e;
    long long nt = 0;
    /* Insert first (awaiting replies), then sample outside the transaction: the model is slow. */
    rc = bench_db_continue(x->db, cid, x->user.id, msg, NULL, NULL, &nt, &e);
    json_doc_free(d);
    if (rc == 1) return send_json_error(x, 404, "comparison not found among your answers (or it was a skip)");
    if (rc < 0) {
        if (strstr(e.msg, "field '")) return send_json_error(x, 400, e.msg);
        fprintf(stderr, "bench: %s\n", e.msg);
        return send_json_error(x, 500, "database error");
    }
    int ready = 0;
    BenchTask t;
    if (x->s->cfg.reply_fn && bench_db_task_get(x->db, nt, &t, &e) == 0) {
        char *a, *b;
        if (!strcmp(t.status, "ready")) ready = 1;
        else if (live_replies(x->s, t.conversation, &a, &b) == 0) {
            ready = bench_db_task_set_replies(x->db, nt, a, b, &e) == 0;
            free(a); free(b);
        }
        bench_task_free(&t);
    }
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_bool(&b, "ok", 1); jb_kv_int(&b, "task_id", nt); jb_kv_str(&b, "status", ready ? "ready" : "awaiting_replies");
    jb_obj_end(&b);
    ret = send_json(x, 201, &b);
    jb_free(&b);
    return ret;
}

static enum MHD_Result api_redteam(Ctx *x) {
    enum MHD_Result ret;
    if (!x->s->cfg.reply_fn) return send_json_error(x, 503, "no live model: start the server with --model to write red-team conversations");
    JsonDoc *d = api_body(x, &ret);
    if (!d) return ret;
    JsonValue *o = json_root(d);
    static const char *const allowed[] = {"message", NULL};
    int bad;
    const char *msg = get_string(o, "message", &bad);
    if (unknown_key(o, allowed) || !msg || !*msg || strlen(msg) > BENCH_MAX_TEXT) {
        json_doc_free(d);
        return send_json_error(x, 400, "field 'message': must be a string of 1 to 65536 bytes (and the only field)");
    }
    size_t n = strlen(msg) + 16;
    char *conv = malloc(n);
    if (!conv) { json_doc_free(d); return send_json_error(x, 500, "out of memory"); }
    snprintf(conv, n, "\n\nHuman: %s", msg);
    json_doc_free(d);
    char *a, *b;
    if (live_replies(x->s, conv, &a, &b)) { free(conv); return send_json_error(x, 502, "the live model failed to reply"); }
    BenchTask t = {.conversation = conv, .reply_a = a, .reply_b = b, .source = "redteam", .assigned_to = x->user.id, .turn = 1};
    snprintf(t.mode, sizeof t.mode, "redteam");
    long long id = 0;
    RlhfErr e;
    int rc = bench_db_task_add(x->db, &t, &id, &e);
    free(conv); free(a); free(b);
    if (rc) { fprintf(stderr, "bench: %s\n", e.msg); return send_json_error(x, 500, "database error"); }
    JsonBuf jb;
    jb_init(&jb);
    jb_obj_begin(&jb); jb_kv_bool(&jb, "ok", 1); jb_kv_int(&jb, "task_id", id); jb_obj_end(&jb);
    ret = send_json(x, 201, &jb);
    jb_free(&jb);
    return ret;
}

static enum MHD_Result api_next_task(Ctx *x) {
    const char *mode = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "mode");
    RlhfErr e;
    if (!mode) mode = "helpful";
    if (bench_check_mode(mode, &e)) return send_json_error(x, 400, e.msg);
    BenchTask t;
    int rc = bench_db_task_next(x->db, x->user.id, mode, x->s->cfg.max_per_task, &t, &e);
    if (rc < 0) { fprintf(stderr, "bench: %s\n", e.msg); return send_json_error(x, 500, "database error"); }
    if (rc == 1) return send_json_error(x, 404, "no tasks left");
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_bool(&b, "ok", 1); jb_kv_int(&b, "task_id", t.id); jb_kv_str(&b, "mode", t.mode);
    jb_kv_str(&b, "conversation", t.conversation); jb_kv_str(&b, "reply_a", t.reply_a); jb_kv_str(&b, "reply_b", t.reply_b);
    jb_kv_int(&b, "turn", t.turn);
    jb_obj_end(&b);
    bench_task_free(&t);
    enum MHD_Result r = send_json(x, 200, &b);
    jb_free(&b);
    return r;
}

static enum MHD_Result api_get_comparison(Ctx *x, const char *idstr) {
    char *end;
    long long id = strtoll(idstr, &end, 10);
    if (*idstr < '0' || *idstr > '9' || *end || id <= 0) return send_json_error(x, 400, "comparison id: must be a positive integer");
    BenchComparison c;
    RlhfErr e;
    int rc = bench_db_comparison_get(x->db, id, &c, &e);
    if (rc < 0) { fprintf(stderr, "bench: %s\n", e.msg); return send_json_error(x, 500, "database error"); }
    /* Another reviewer's answer looks exactly like a missing one. */
    if (rc == 1 || (c.user_id != x->user.id && strcmp(x->user.role, "admin")))
        return send_json_error(x, 404, "comparison not found");
    JsonBuf b;
    jb_init(&b);
    jb_obj_begin(&b);
    jb_kv_bool(&b, "ok", 1); jb_kv_int(&b, "id", c.id); jb_kv_int(&b, "task_id", c.task_id);
    jb_kv_str(&b, "choice", c.choice); jb_kv_int(&b, "strength", c.strength); jb_kv_str(&b, "order", c.shown_order);
    jb_kv_int(&b, "created_at", c.created_at);
    jb_obj_end(&b);
    enum MHD_Result r = send_json(x, 200, &b);
    jb_free(&b);
    return r;
}

/* ---- sign in / out ---- */

static enum MHD_Result do_login(Ctx *x) {
    Req *q = x->req;
    char name[256], pw[1024];
    const char *body = q->body ? q->body : "";
    if (form_get(body, q->len, "name", name, sizeof name) != 0 || form_get(body, q->len, "password", pw, sizeof pw) != 0)
        return page_login(x, 400, "Name and password are required.");
    BenchUser u;
    RlhfErr e;
    int rc = bench_db_user_login(x->db, name, pw, &u, &e);
    memset(pw, 0, sizeof pw);
    if (rc < 0) { fprintf(stderr, "bench: %s\n", e.msg); return html_error(x, 500, "database error"); }
    if (rc == 1) return page_login(x, 401, "Wrong name or password.");
    char token[65], csrf[65], cookie[256];
    if (bench_db_session_create(x->db, u.id, x->s->cfg.session_ttl_s, token, csrf, &e)) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return html_error(x, 500, "database error");
    }
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
             x->s->cfg.session_ttl_s, x->s->cfg.secure_cookie ? "; Secure" : "");
    return redirect(x, !strcmp(u.role, "admin") ? "/admin" : "/task?mode=helpful", cookie);
}

static enum MHD_Result do_logout(Ctx *x) {
    RlhfErr e;
    bench_db_session_delete(x->db, x->token, &e);
    return redirect(x, "/login", COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* ---- dispatch ---- */

static int csrf_ok(Ctx *x) {
    const char *h = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "X-CSRF-Token");
    char form[80];
    if (!h && x->req->body && form_get(x->req->body, x->req->len, "csrf", form, sizeof form) == 0) h = form;
    return h && strlen(h) == 64 && bench_ct_equal(h, x->csrf, 64);
}

/* A cross-site request that carries Origin must come from this host. */
static int origin_ok(Ctx *x) {
    const char *origin = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Host");
    if (!origin) return 1;
    const char *p = strstr(origin, "://");
    return host && p && !strcmp(p + 3, host);
}

static enum MHD_Result route(Ctx *x) {
    const char *url = x->url, *m = x->method;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
    if (!get && !post) return html_error(x, 405, "method not allowed");
    if (get && !strcmp(url, "/healthz")) return send_buf(x, 200, "text/plain", "ok\n", 3, NULL, NULL, NULL);

    const char *tok = MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND, COOKIE);
    RlhfErr e;
    if (tok && strlen(tok) == 64) {
        int rc = bench_db_session_get(x->db, tok, &x->user, x->csrf, &e);
        if (rc < 0) { fprintf(stderr, "bench: %s\n", e.msg); return html_error(x, 500, "database error"); }
        if (rc == 0) { x->signed_in = 1; snprintf(x->token, sizeof x->token, "%s", tok); }
    }
    if (!strcmp(url, "/login")) {
        if (post) return origin_ok(x) ? do_login(x) : html_error(x, 403, "cross-origin sign-in refused");
        return page_login(x, 200, NULL);
    }
    if (!x->signed_in) {
        if (is_api(url)) return send_json_error(x, 401, "sign in first");
        return redirect(x, "/login", NULL);
    }
    if (post && (!origin_ok(x) || !csrf_ok(x))) return html_error(x, 403, "missing or wrong CSRF token");
    int admin = !strcmp(x->user.role, "admin");

    if (post && !strcmp(url, "/logout")) return do_logout(x);
    if (get && !strcmp(url, "/")) return redirect(x, admin ? "/admin" : "/task?mode=helpful", NULL);
    if (get && !strcmp(url, "/guidelines")) return page_guidelines(x);
    if (get && !strcmp(url, "/task")) {
        const char *mode = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, "mode");
        if (!mode) mode = "helpful";
        if (bench_check_mode(mode, &e)) return html_error(x, 400, e.msg);
        return page_task(x, mode);
    }
    if (get && !strcmp(url, "/api/task/next")) return api_next_task(x);
    if (post && !strcmp(url, "/api/comparisons")) return api_compare(x);
    if (post && !strcmp(url, "/api/continue")) return api_continue(x);
    if (post && !strcmp(url, "/api/redteam")) return api_redteam(x);
    if (get && !strncmp(url, "/api/comparisons/", 17)) return api_get_comparison(x, url + 17);
    if (!strcmp(url, "/admin") || !strncmp(url, "/api/admin/", 11)) {
        if (!admin) return html_error(x, 403, "admins only");
        if (get && !strcmp(url, "/admin")) return page_admin(x);
        if (get && !strcmp(url, "/api/admin/stats")) return api_admin_stats(x);
    }
    return html_error(x, 404, "not found");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    BenchServer *s = cls;
    Req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q) return MHD_NO;
        *con_cls = q;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) q->too_big = 1;
        if (!q->too_big) return MHD_YES;
    }
    if (*upload_size) {
        if (!q->too_big) {
            if (q->len + *upload_size > s->cfg.max_body) {
                q->too_big = 1;
                free(q->body); q->body = NULL; q->len = 0;
            } else {
                if (q->len + *upload_size + 1 > q->cap) {
                    size_t nc = RLHF_MAX(q->cap * 2, q->len + *upload_size + 1);
                    char *nb = realloc(q->body, nc);
                    if (!nb) return MHD_NO;
                    q->body = nb; q->cap = nc;
                }
                memcpy(q->body + q->len, upload, *upload_size);
                q->len += *upload_size;
                q->body[q->len] = 0;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    Ctx x = {.s = s, .c = c, .method = method, .url = url, .req = q};
    if (q->too_big) {
        char m[128];
        snprintf(m, sizeof m, "request body over the limit of %zu bytes", s->cfg.max_body);
        return is_api(url) ? send_json_error(&x, 413, m) : send_buf(&x, 413, "text/plain", m, strlen(m), NULL, NULL, NULL);
    }
    int slot;
    x.db = pool_get(s, &slot);
    enum MHD_Result r = route(&x);
    pool_put(s, slot);
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    Req *q = *con_cls;
    if (q) { free(q->body); free(q); *con_cls = NULL; }
}

int bench_server_start(const BenchServerConfig *cfg, BenchServer **out, RlhfErr *e) {
    *out = NULL;
    BenchServer *s = rlhf_calloc(1, sizeof *s, e);
    if (!s) return -1;
    s->cfg = *cfg;
    if (!s->cfg.bind_addr) s->cfg.bind_addr = "127.0.0.1";
    if (s->cfg.threads <= 0) s->cfg.threads = 4;
    if (s->cfg.session_ttl_s <= 0) s->cfg.session_ttl_s = 12 * 3600;
    if (s->cfg.max_per_task <= 0) s->cfg.max_per_task = 2;
    if (s->cfg.max_body == 0) s->cfg.max_body = 64 * 1024;
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->reply_mu, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    s->npool = s->cfg.threads;
    s->pool = calloc((size_t)s->npool, sizeof *s->pool);
    s->busy = calloc((size_t)s->npool, sizeof *s->busy);
    if (!s->pool || !s->busy) { rlhf_err(e, "out of memory"); goto fail; }
    for (int i = 0; i < s->npool; i++) {
        if (bench_db_open(s->cfg.db_url, &s->pool[i], e)) goto fail;
        /* SQLite has one writer per file: queue writers here rather than in its busy handler */
        if (!strcmp(bench_db_backend(s->pool[i]), "sqlite")) bench_db_set_write_lock(s->pool[i], &s->write_mu);
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->cfg.port)};
    if (inet_pton(AF_INET, s->cfg.bind_addr, &sa.sin_addr) != 1) {
        rlhf_err(e, "--bind '%s': not an IPv4 address", s->cfg.bind_addr);
        goto fail;
    }
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->cfg.threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)256,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_END);
    if (!s->d) { rlhf_err(e, "cannot listen on %s:%d (port in use?)", s->cfg.bind_addr, s->cfg.port); goto fail; }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
    *out = s;
    return 0;
fail:
    bench_server_stop(s);
    return -1;
}

int bench_server_port(const BenchServer *s) { return s->port; }

void bench_server_stop(BenchServer *s) {
    if (!s) return;
    if (s->d) MHD_stop_daemon(s->d);
    for (int i = 0; s->pool && i < s->npool; i++) bench_db_close(s->pool[i]);
    free(s->pool);
    free(s->busy);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->reply_mu);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->pool_cv);
    free(s);
}
