#!/usr/bin/env bash
# Compare the hot path of two builds: interleaved runs of BenchmarkMMc (the
# reference M/M/10 model, one million customers through the whole stack) and
# BenchmarkBuiltins/async-orders, alternating old and new test binaries so
# that a busy machine slows both alike. Prints each run's ns/event and, per
# benchmark, the median of new/old over the pairs with its range.
#
#   scripts/bench-compare.sh OLD_REF [ROUNDS]    # e.g. main~10, 7 rounds
#
# OLD_REF is any git revision; the new build is the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
old_ref=${1:?usage: bench-compare.sh OLD_REF [ROUNDS]}
rounds=${2:-7}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/old" "$old_ref"
(cd "$work/old" && go test -c -o "$work/old.test" ./scenarios/simulate/)
go test -c -o "$work/new.test" ./scenarios/simulate/

# nsPerEvent BINARY BENCH: one run's ns/event of the benchmark named BENCH.
nsPerEvent() {
  "$1" -test.run '^$' -test.bench "$2" -test.benchtime 3x -test.benchmem |
    awk '/ns\/event/ { for (i = 1; i < NF; i++) if ($(i+1) == "ns/event") print $i }' | head -1
}

for bench in '^BenchmarkMMc$' '^BenchmarkBuiltins$/^async-orders$'; do
  ratios=()
  for ((r = 1; r <= rounds; r++)); do
    o=$(nsPerEvent "$work/old.test" "$bench")
    n=$(nsPerEvent "$work/new.test" "$bench")
    ratios+=("$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.4f", n / o }')")
    echo "$bench round $r: old $o ns/event, new $n ns/event"
  done
  printf '%s\n' "${ratios[@]}" | sort -n | awk -v b="$bench" '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s: new/old ns/event median %.3f (range %.3f to %.3f, %d pairs)\n", b, m, v[1], v[NR], NR
    }'
done
