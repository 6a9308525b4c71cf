/* test_bench_crypto.c — SHA-256 (FIPS 180-2 examples), HMAC-SHA256 (RFC 4231),
 * PBKDF2-HMAC-SHA256 (RFC 7914 section 11 and the widely used RFC 6070-style
 * vectors) and the password-hash string. */
#include "testlib.h"

#include "bench/bench_crypto.h"

static void hex_of(const uint8_t *b, size_t n, char *out) { bench_hex(b, n, out); }

static void unhex_str(const char *h, uint8_t *out, size_t *n) {
    size_t len = strlen(h) / 2;
    for (size_t i = 0; i < len; i++) { unsigned v; sscanf(h + 2 * i, "%2x", &v); out[i] = (uint8_t)v; }
    *n = len;
}

TEST(sha256_vectors) {
    uint8_t d[32]; char h[65];
    sha256("abc", 3, d); hex_of(d, 32, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256("", 0, d); hex_of(d, 32, h);
    CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(m, strlen(m), d); hex_of(d, 32, h);
    CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in uneven chunks to exercise buffering */
    Sha256 s; sha256_init(&s);
    char a[997]; memset(a, 'a', sizeof a);
    size_t left = 1000000;
    while (left) { size_t n = left < sizeof a ? left : sizeof a; sha256_update(&s, a, n); left -= n; }
    sha256_final(&s, d); hex_of(d, 32, h);
    CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(hmac_rfc4231) {
    uint8_t key[200], msg[200], d[32]; size_t kl, ml; char h[65];
    /* case 1 */
    memset(key, 0x0b, 20);
    hmac_sha256(key, 20, "Hi There", 8, d); hex_of(d, 32, h);
    CHECK_STR(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* case 2 */
    hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d); hex_of(d, 32, h);
    CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* case 3 */
    memset(key, 0xaa, 20); memset(msg, 0xdd, 50);
    hmac_sha256(key, 20, msg, 50, d); hex_of(d, 32, h);
    CHECK_STR(h, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* case 6: key longer than the block */
    memset(key, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_sha256(key, 131, m6, strlen(m6), d); hex_of(d, 32, h);
    CHECK_STR(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    (void)kl; (void)ml; (void)unhex_str;
}

TEST(pbkdf2_vectors) {
    uint8_t d[64]; char h[129];
    pbkdf2_hmac_sha256("password", 8, "salt", 4, 1, d, 32); hex_of(d, 32, h);
    CHECK_STR(h, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    pbkdf2_hmac_sha256("password", 8, "salt", 4, 4096, d, 32); hex_of(d, 32, h);
    CHECK_STR(h, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    /* RFC 7914 section 11: two output blocks */
    pbkdf2_hmac_sha256("passwd", 6, "salt", 4, 1, d, 64); hex_of(d, 64, h);
    CHECK_STR(h, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    pbkdf2_hmac_sha256("Password", 8, "NaCl", 4, 80000, d, 64); hex_of(d, 64, h);
    CHECK_STR(h, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                 "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

TEST(password_hash_roundtrip) {
    char a[BENCH_PWHASH_MAX], b[BENCH_PWHASH_MAX];
    RlhfErr e;
    REQUIRE(bench_password_hash("correct horse", 1000, a, &e) == 0);
    REQUIRE(bench_password_hash("correct horse", 1000, b, &e) == 0);
    CHECK(strncmp(a, "pbkdf2-sha256$1000$", 19) == 0);
    CHECK(strcmp(a, b) != 0);                    /* per-user salt */
    CHECK(bench_password_verify("correct horse", a) == 1);
    CHECK(bench_password_verify("correct horsE", a) == 0);
    CHECK(bench_password_verify("", a) == 0);
    CHECK(bench_password_verify("x", "plain") == 0);
    CHECK(bench_password_verify("x", "pbkdf2-sha256$0$00$00") == 0);
    CHECK(bench_password_verify("x", NULL) == 0);
}

TEST(tokens) {
    char t1[65], t2[65], h[65];
    RlhfErr e;
    REQUIRE(bench_new_token(t1, &e) == 0 && bench_new_token(t2, &e) == 0);
    CHECK(strlen(t1) == 64 && strcmp(t1, t2) != 0);
    bench_token_hash("abc", h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(bench_ct_equal("abcd", "abcd", 4) && !bench_ct_equal("abcd", "abce", 4));
}

int main(void) {
    RUN(sha256_vectors);
    RUN(hmac_rfc4231);
    RUN(pbkdf2_vectors);
    RUN(password_hash_roundtrip);
    RUN(tokens);
    return test_summary();
}
