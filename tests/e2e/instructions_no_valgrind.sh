#!/bin/bash
# --measure=instructions with no valgrind on PATH: exit 2 and one line that
# says what to install; nothing measured.
# usage: instructions_no_valgrind.sh BENCH
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BENCH"
mkdir "$E2E_TMP/empty"
expect_exit 2 env PATH="$E2E_TMP/empty" "$1" --measure=instructions
stderr_has "error: --measure=instructions needs valgrind (apt-get install valgrind)"
[ ! -s "$OUT" ] || die "something was printed on stdout: $(cat "$OUT")"
ok "nothing on stdout"
done_checks
