// The header from C++ (tests/e2e/cpp.sh builds this with g++ and clang++
// at -std=c++17 and -std=c++20, warnings as errors): BENCH with options in
// any order (not the declaration order C++20's designated initialisers
// would need), MB_ARGS, MB_RANGE, MB_PRODUCT, MB_NAMES, BENCH_FN with
// .data, mb_do_not_optimize and mb_opaque on scalars, a struct and an
// array.
#include <microbe.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

BENCH(sum, .bytes = 8, .group = "cpp", .args = MB_ARGS(16, 256))
{
    std::vector<std::uint8_t> v(static_cast<std::size_t>(mb_arg(state)), 1);
    MB_LOOP(state)
    {
        std::uint64_t s = 0;
        for (std::uint8_t x : v)
            s += x;
        mb_do_not_optimize(s);
    }
    mb_set_bytes(state, static_cast<double>(v.size()));
}

BENCH(div)
{
    double a = 7.0, b = 2.0;
    MB_LOOP(state)
    {
        mb_opaque(a);
        mb_opaque(b);
        mb_do_not_optimize(a / b);
    }
}

BENCH(grid, .arg_names = MB_NAMES("n", "k"),
      .product = MB_PRODUCT(MB_ARGS(1, 2), MB_ARGS(10, 20)))
{
    std::int64_t n = mb_arg(state), k = mb_arg_at(state, 1);
    MB_LOOP(state)
    {
        mb_opaque(n);
        mb_do_not_optimize(n * k);
    }
    mb_counter(state, "nk", static_cast<double>(n * k), 0);
}

BENCH(ranged, .samples = 5, .range = MB_RANGE(8, 64, 8))
{
    struct big {
        char bytes[256];
    } s;
    int arr[16];
    std::memset(&s, 0, sizeof s);
    std::memset(arr, 0, sizeof arr);
    MB_LOOP(state)
    {
        mb_opaque(s);
        mb_opaque(arr);
        mb_do_not_optimize(s);
        mb_do_not_optimize(arr);
    }
}

static void with_text(mb_state *state)
{
    const std::string *t = static_cast<const std::string *>(mb_data(state));
    MB_LOOP(state)
    {
        mb_do_not_optimize(t->size());
    }
    mb_label(state, "%s", t->c_str());
}
static const std::string short_text = "abc", long_text(100, 'x');
BENCH_FN(text_short, with_text, .data = (void *)&short_text);
BENCH_FN(text_long, with_text, .group = "cpp", .data = (void *)&long_text);
