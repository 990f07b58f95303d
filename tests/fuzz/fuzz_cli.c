/* libFuzzer target: a bench program's command line (cli_parse). The input
 * is the arguments separated by NUL bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2] = {"bench"};
    int argc = 1;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    cli_opts o;
    char err[512];
    err[0] = '\0';
    /* Every refusal says why (cli_print_error keeps it on one line). */
    if (cli_parse(argc, argv, &o, err, sizeof err) != MB_OK && !err[0])
        abort();
    free(buf);
    return 0;
}
