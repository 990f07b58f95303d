#!/bin/bash
# A signal to the bench program alone (kill PID, not its process group)
# leaves none of its processes running: SIGTERM, SIGINT and SIGHUP are
# forwarded to the worker, which is reaped, and the program says so in one
# line; after SIGKILL (what a Python subprocess timeout sends) the worker
# dies with its parent (PR_SET_PDEATHSIG). The benchmark spins forever, so
# a worker left behind would run on at 100% CPU.
# usage: signals.sh E2E_HANGS
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 HANGS"
B=$1
NAME=${B##*/}
# Background jobs of a script ignore SIGINT unless job control is on.
set -m

# The program and every process below it, from /proc.
tree_of() {
    local want=" $1 " grew=1 pid comm state ppid rest
    while [ $grew -eq 1 ]; do
        grew=0
        for st in /proc/[0-9]*/stat; do
            read -r pid comm state ppid rest <"$st" 2>/dev/null || continue
            case "$want" in *" $ppid "*)
                case "$want" in *" $pid "*) ;;
                *) want="$want$pid " grew=1 ;; esac ;;
            esac
        done
    done
    echo $want
}

# alive PID: running (not a zombie) and still this program.
alive() {
    local pid comm state rest
    read -r pid comm state rest <"/proc/$1/stat" 2>/dev/null || return 1
    [ "$state" != Z ] || return 1
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$NAME"
}

# A SIGHUP ignored when this script started (nohup) stays ignored in the
# program too, as it should: that case is then not tested.
sigs="TERM INT HUP KILL"
ign=$(awk '/^SigIgn:/ {print $2}' /proc/$$/status)
if [ $((0x${ign:-0} & 1)) -ne 0 ]; then
    echo "# SIGHUP is ignored here (nohup?): its case is skipped"
    sigs="TERM INT KILL"
fi
for sig in $sigs; do
    "$B" --filter=spins --min-time=0.01 --samples=5 --rounds=1 \
        >"$OUT" 2>"$ERR" &
    pid=$!
    # Wait until the worker and the benchmark's process are there.
    tree=""
    for _ in $(seq 200); do
        tree=$(tree_of $pid)
        [ "$(wc -w <<<"$tree")" -ge 3 ] && break
        sleep 0.05
    done
    [ "$(wc -w <<<"$tree")" -ge 3 ] || die "SIG$sig: no worker appeared: $tree"
    sleep 0.2
    kill -$sig $pid
    got=0
    wait $pid || got=$?
    [ "$got" -eq $((128 + $(kill -l $sig))) ] ||
        die "SIG$sig: exit $got, want death by SIG$sig"
    left=""
    for _ in $(seq 50); do
        left=""
        for p in $tree; do
            alive "$p" && left="$left $p"
        done
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -z "$left" ] || die "SIG$sig: processes left running:$left"
    ok "SIG$sig to the bench program alone: none of its ${tree// /,} remains"
    if [ $sig != KILL ]; then
        [ "$(wc -l <"$ERR")" -eq 1 ] || die "SIG$sig: stderr not one line"
        stderr_has "interrupted by SIG$sig while running spins"
    fi
done
# A git that never answers (asked for the commit measured) is given up on
# and killed, not waited for forever.
mkdir -p "$E2E_TMP/bin"
printf '#!/bin/sh\nexec sleep 600\n' >"$E2E_TMP/bin/git"
chmod +x "$E2E_TMP/bin/git"
got=0
env -u MICROBE_GIT_COMMIT PATH="$E2E_TMP/bin:$PATH" timeout 50 "$B" \
    --filter=quick --min-time=0.01 --samples=5 --rounds=1 --format=json \
    >"$OUT" 2>"$ERR" || got=$?
[ "$got" -eq 0 ] || die "with a hung git: exit $got, want 0"
if grep -q '"git_commit"' "$OUT"; then die "a hung git gave a commit"; fi
ok "a hung git is given up on: the run finishes without a commit"
done_checks
