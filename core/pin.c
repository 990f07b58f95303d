/* sched_setaffinity, with the allowed set checked first so a bad --cpu
 * gets a clear error. */
#include "pin.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "0-1,4" from a CPU set, for error messages. */
static void describe(const cpu_set_t *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE && used < len; c++) {
        if (!CPU_ISSET(c, set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
            e++;
        used +=
            (size_t)snprintf(buf + used, len - used, e > c ? "%s%d-%d" : "%s%d",
                             used ? "," : "", c, e);
        c = e;
    }
}

mb_status pin_cpu(int want, int *cpu, char *err, size_t errlen)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        snprintf(err, errlen, "cannot read the CPU affinity: %s",
                 strerror(errno));
        return MB_ERR_USAGE;
    }
    int pick = -1;
    if (want == CPU_AUTO) {
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed))
                pick = c;
    } else if (want >= 0 && want < CPU_SETSIZE && CPU_ISSET(want, &allowed)) {
        pick = want;
    }
    if (pick < 0) {
        char list[128];
        describe(&allowed, list, sizeof list);
        snprintf(err, errlen,
                 "--cpu=%d: no such CPU, or not allowed for "
                 "this process (allowed: %s)",
                 want, list);
        return MB_ERR_USAGE;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(pick, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        snprintf(err, errlen, "--cpu=%d: cannot pin: %s", pick,
                 strerror(errno));
        return MB_ERR_USAGE;
    }
    *cpu = pick;
    return MB_OK;
}
