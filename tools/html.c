/* microbe report: one self-contained HTML page with inline SVG plots. */
#include "tool.h"

int tool_report(const tool_opts *o)
{
    (void)o;
    return tool_fail("report: not implemented yet");
}
