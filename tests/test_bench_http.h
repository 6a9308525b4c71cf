/* test_bench_http.h — a tiny blocking HTTP/1.1 client for the bench tests:
 * loopback only, one request per connection, every wait bounded by a timeout. */
#ifndef RLHF_TEST_BENCH_HTTP_H
#define RLHF_TEST_BENCH_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct HttpResp {
    int status;          /* 0 when no complete response arrived */
    char *headers;       /* raw header block */
    char *body;
    size_t body_len;
} HttpResp;

static void http_free(HttpResp *r) { free(r->headers); free(r->body); memset(r, 0, sizeof *r); }

/* Sends one request; body may be NULL. extra_headers: "Name: v\r\n..." or NULL. */
static int http_req(int port, const char *method, const char *path, const char *extra_headers,
                    const char *body, size_t body_len, HttpResp *out) {
    memset(out, 0, sizeof *out);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { close(fd); return -1; }
    char head[4096];
    int hn = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s"
                      "Content-Length: %zu\r\n\r\n", method, path, port, extra_headers ? extra_headers : "",
                      body ? body_len : (size_t)0);
    if (send(fd, head, (size_t)hn, MSG_NOSIGNAL) != hn) { close(fd); return -1; }
    for (size_t off = 0; body && off < body_len;) {
        ssize_t w = send(fd, body + off, body_len - off, MSG_NOSIGNAL);
        if (w <= 0) break;          /* the server may answer 413 and close early */
        off += (size_t)w;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (int guard = 0; guard < 100000; guard++) {
        if (cap - n < 4096) { cap *= 2; buf = realloc(buf, cap); }
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    if (n < 12 || strncmp(buf, "HTTP/1.", 7) || !sep) { free(buf); return -1; }
    out->status = atoi(buf + 9);
    out->headers = strndup(buf, (size_t)(sep - buf) + 2);
    out->body_len = n - (size_t)(sep + 4 - buf);
    out->body = malloc(out->body_len + 1);
    memcpy(out->body, sep + 4, out->body_len);
    out->body[out->body_len] = 0;
    free(buf);
    return 0;
}

/* Value of the first header `name` (case-insensitive) into out. */
static int http_header(const HttpResp *r, const char *name, char *out, size_t cap) {
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p; ) {
        const char *e = strstr(p, "\r\n");
        if (!e) break;
        if ((size_t)(e - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            snprintf(out, cap, "%.*s", (int)(e - v), v);
            return 0;
        }
        p = e + 2;
    }
    return -1;
}

/* Signs in; fills "Cookie: bench_session=...\r\n" and the CSRF token from the task page. */
static int http_login(int port, const char *name, const char *pw, char cookie[200], char csrf[65]) {
    char body[256];
    snprintf(body, sizeof body, "name=%s&password=%s", name, pw);
    HttpResp r;
    if (http_req(port, "POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n", body, strlen(body), &r))
        return -1;
    char sc[180];
    int ok = r.status == 303 && http_header(&r, "Set-Cookie", sc, sizeof sc) == 0;
    http_free(&r);
    if (!ok) return -1;
    char *semi = strchr(sc, ';');
    if (semi) *semi = 0;
    snprintf(cookie, 200, "Cookie: %s\r\n", sc);
    if (http_req(port, "GET", "/guidelines", cookie, NULL, 0, &r)) return -1;
    const char *m = strstr(r.body, "name=\"csrf\" content=\"");
    ok = m && strlen(m) >= 21 + 64;
    if (ok) { memcpy(csrf, m + 21, 64); csrf[64] = 0; }
    http_free(&r);
    return ok ? 0 : -1;
}

/* POSTs JSON with the session cookie and CSRF header. */
static int http_post_json(int port, const char *path, const char *cookie, const char *csrf, const char *json,
                          size_t len, HttpResp *out) {
    char h[600];
    snprintf(h, sizeof h, "%sX-CSRF-Token: %s\r\nContent-Type: application/json\r\n", cookie, csrf ? csrf : "");
    return http_req(port, "POST", path, h, json, len, out);
}

#endif
