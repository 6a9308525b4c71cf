/* args.c — see args.h. */
#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"

void args_print_help(const char *cmd, const char *usage, const ArgSpec *specs) {
    printf("usage: %s\n\noptions:\n", usage);
    for (const ArgSpec *s = specs; s && s->name; s++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", s->name, s->metavar ? " " : "", s->metavar ? s->metavar : "");
        printf("  %-24s %s", left, s->help ? s->help : "");
        /* a help text that states its own default (a sentinel value stands for it) keeps it */
        int own = s->help && strstr(s->help, "(default");
        switch (own ? 0 : s->type) {
        case 'i': printf(" (default %d)", *(int *)s->dst); break;
        case 'l': printf(" (default %lld)", *(long long *)s->dst); break;
        case 'd': printf(" (default %g)", *(double *)s->dst); break;
        case 'f': printf(" (default %g)", (double)*(float *)s->dst); break;
        case 's': if (*(const char **)s->dst) printf(" (default %s)", *(const char **)s->dst); break;
        }
        printf("\n");
    }
    printf("  %-24s %s\n", "--help", "this help");
    (void)cmd;
}

static int set_value(const char *cmd, const ArgSpec *s, const char *v) {
    char *end = NULL;
    errno = 0;
    switch (s->type) {
    case 'i': { long x = strtol(v, &end, 10);
        if (errno || *end || end == v || x < -2147483647L || x > 2147483647L) goto bad;
        *(int *)s->dst = (int)x; return 0; }
    case 'l': { long long x = strtoll(v, &end, 10); if (errno || *end || end == v) goto bad;
        *(long long *)s->dst = x; return 0; }
    case 'd': { double x = strtod(v, &end); if (errno || *end || end == v) goto bad;
        *(double *)s->dst = x; return 0; }
    case 'f': { double x = strtod(v, &end); if (errno || *end || end == v) goto bad;
        *(float *)s->dst = (float)x; return 0; }
    case 's': *(const char **)s->dst = v; return 0;
    }
bad:
    fprintf(stderr, "rlhf %s: --%s: '%s' is not a valid %s\n", cmd, s->name, v,
            s->type == 'i' || s->type == 'l' ? "integer" : "number");
    return 2;
}

int args_parse(const char *cmd, const char *usage, const ArgSpec *specs, int argc, char **argv,
               char ***positional, int *npositional) {
    char **pos = NULL;
    int npos = 0, only_pos = 0;
    if (positional) {
        pos = calloc((size_t)argc + 1, sizeof *pos);
        if (!pos) { fprintf(stderr, "rlhf %s: out of memory\n", cmd); return 2; }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == 0) {
            if (!pos) { fprintf(stderr, "rlhf %s: unexpected argument '%s' (see --help)\n", cmd, a); return 2; }
            pos[npos++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) { only_pos = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { args_print_help(cmd, usage, specs); free(pos); return 0; }
        if (a[1] != '-') { fprintf(stderr, "rlhf %s: unknown option '%s' (see --help)\n", cmd, a); free(pos); return 2; }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const ArgSpec *s = specs;
        for (; s && s->name; s++)
            if (strlen(s->name) == nlen && !strncmp(s->name, name, nlen)) break;
        if (!s || !s->name) {
            fprintf(stderr, "rlhf %s: unknown option '--%.*s' (see --help)\n", cmd, (int)nlen, name);
            free(pos); return 2;
        }
        if (s->type == 'b') {
            if (eq) { fprintf(stderr, "rlhf %s: --%s takes no value\n", cmd, s->name); free(pos); return 2; }
            *(int *)s->dst = 1;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) { fprintf(stderr, "rlhf %s: --%s needs a value\n", cmd, s->name); free(pos); return 2; }
        if (set_value(cmd, s, v)) { free(pos); return 2; }
    }
    if (positional) { *positional = pos; *npositional = npos; }
    return -1;
}

int args_split_list(const char *s, const char **out, int max, char **owned) {
    *owned = NULL;
    if (!s) return 0;
    char *copy = strdup(s);
    if (!copy) return 0;
    *owned = copy;
    int n = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) out[n++] = t;
    return n;
}

static void dispatch_usage(FILE *f, const char *cmd, const char *note, const SubCommand *subs, int n) {
    int w = 0;
    for (int i = 0; i < n; i++) w = RLHF_MAX(w, (int)strlen(subs[i].name));
    fprintf(f, "usage: rlhf %s <subcommand> [options]   (rlhf %s <subcommand> --help for its options)\n\n", cmd, cmd);
    for (int i = 0; i < n; i++) fprintf(f, "  %-*s  %s\n", w, subs[i].name, subs[i].summary);
    if (note) fprintf(f, "\n%s\n", note);
}

int args_dispatch(const char *cmd, const char *note, const SubCommand *subs, int nsubs, int argc, char **argv) {
    if (argc < 2) {
        dispatch_usage(stderr, cmd, note, subs, nsubs);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        dispatch_usage(stdout, cmd, note, subs, nsubs);
        return 0;
    }
    for (int i = 0; i < nsubs; i++)
        if (!strcmp(sub, subs[i].name)) return subs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rlhf %s: unknown subcommand '%s'\n\n", cmd, sub);
    dispatch_usage(stderr, cmd, note, subs, nsubs);
    return 2;
}

int args_device(const char *cmd, const char *name, DeviceKind *out) {
    RlhfErr e;
    if (device_parse(name, out, &e)) {
        fprintf(stderr, "rlhf %s: %s\n", cmd, e.msg);
        return 2;
    }
    if (device_check(*out, &e)) {
        fprintf(stderr, "rlhf %s: %s\n", cmd, e.msg);
        return 1;
    }
    return 0;
}
