/* commands.h — every `rlhf <command>`. Each lives in its own src/cli/cmd_<name>.c
 * and is called with argv[0] = the command name. Return 0 on success, 1 on
 * failure (after printing "rlhf <command>: <message>" to stderr), 2 on bad usage.
 * A command must handle --help (print usage to stdout, return 0). */
#ifndef RLHF_COMMANDS_H
#define RLHF_COMMANDS_H

typedef int (*CommandFn)(int argc, char **argv);

int cmd_tokenizer(int argc, char **argv);   /* train | encode | decode */
int cmd_pretrain(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_speed(int argc, char **argv);
int cmd_convert(int argc, char **argv);     /* llm.c .bin / safetensors import-export */
int cmd_data(int argc, char **argv);        /* stats | split */
int cmd_sft(int argc, char **argv);
int cmd_judge(int argc, char **argv);       /* train | eval | score */
int cmd_clinic(int argc, char **argv);      /* generate | ... (the worked example) */
int cmd_audit(int argc, char **argv);
int cmd_ppo(int argc, char **argv);
int cmd_bench(int argc, char **argv);       /* serve | import | export | user */
int cmd_loop(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);     /* metrics JSONL -> HTML report */

#endif
