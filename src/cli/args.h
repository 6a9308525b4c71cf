/* args.h — the one option parser every command uses.
 *
 *   int steps = 100; const char *out = NULL; int verbose = 0;
 *   ArgSpec specs[] = {
 *       {"steps", 'i', &steps, "N", "training steps"},
 *       {"out", 's', &out, "FILE", "output file (required)"},
 *       {"verbose", 'b', &verbose, NULL, "more output"},
 *       {0}};
 *   int rc = args_parse("pretrain", "rlhf pretrain [options] FILES...", specs, argc, argv, &pos, &npos);
 *   if (rc >= 0) return rc;   // 0 after --help, 2 on bad usage (message printed)
 *
 * Types: 'i' int, 'l' long long, 'd' double, 'f' float, 's' const char*, 'b' flag (sets 1).
 * Accepts --name VALUE and --name=VALUE. Positional arguments are returned in
 * order (argv[0], the command name, excluded). "--" ends options. */
#ifndef RLHF_ARGS_H
#define RLHF_ARGS_H

#include "model/device.h"

typedef struct ArgSpec {
    const char *name;
    char type;
    void *dst;
    const char *metavar;
    const char *help;
} ArgSpec;

/* Returns -1 when the caller should go on, 0 when --help was printed, 2 on bad usage. */
int args_parse(const char *cmd, const char *usage, const ArgSpec *specs, int argc, char **argv,
               char ***positional, int *npositional);
void args_print_help(const char *cmd, const char *usage, const ArgSpec *specs);
/* Splits a comma-separated option value ("a.jsonl,b.jsonl") into at most max
 * items pointing into *owned (a copy the caller frees). Returns the count. */
int args_split_list(const char *s, const char **out, int max, char **owned);

/* --device NAME: parses it and checks it can run here. Returns 0, or the exit
 * status after printing why not: 2 for a bad name, 1 when this build or
 * machine cannot run it (no CUDA backend linked, no GPU). */
int args_device(const char *cmd, const char *name, DeviceKind *out);

/* One subcommand of a command with several ("rlhf judge train"). */
typedef struct SubCommand {
    const char *name;
    int (*fn)(int argc, char **argv);   /* argv[0] is the subcommand's name */
    const char *summary;                /* one line for the usage list */
} SubCommand;

/* "rlhf CMD SUB ...": runs SUB with argv shifted to start at it. --help, -h
 * and help print the list on stdout (0); a missing or unknown subcommand
 * prints it on stderr (2). note (NULL for none) follows the list. */
int args_dispatch(const char *cmd, const char *note, const SubCommand *subs, int nsubs, int argc, char **argv);

#endif
