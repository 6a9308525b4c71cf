/* cmd_report.c — `rlhf report`: any run's metrics JSONL as an HTML report. */
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "report/report.h"

int cmd_report(int argc, char **argv) {
    const char *metrics = NULL, *out = "report.html", *title = "rlhf run";
    ArgSpec specs[] = {
        {"metrics", 's', &metrics, "FILE", "metrics JSONL written by a run (required)"},
        {"out", 's', &out, "FILE", "HTML file to write"},
        {"title", 's', &title, "TEXT", "report title"},
        {0}};
    int rc = args_parse(argv[0], "rlhf report --metrics FILE.jsonl [--out report.html] [--title T]", specs, argc, argv,
                        NULL, NULL);
    if (rc >= 0) return rc;
    if (!metrics) { fprintf(stderr, "rlhf report: --metrics is required (see --help)\n"); return 2; }
    RlhfErr e;
    if (report_from_metrics(metrics, out, title, &e)) { fprintf(stderr, "rlhf report: %s\n", e.msg); return 1; }
    printf("wrote %s\n", out);
    return 0;
}
