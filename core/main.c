/* main() for bench programs that link microbe_main. */
#include "microbe.h"

MB_API int main(int argc, char **argv)
{
    return mb_main(argc, argv);
}
