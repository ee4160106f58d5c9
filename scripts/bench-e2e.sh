#!/usr/bin/env bash
# End-to-end timing of `scalesim run` on the reference M/M/10 model (λ = 9/s,
# μ = 1/s, one million customers: process start, parse, simulate, report),
# against the floor: a minimal hand-written heap loop for the same model.
# Also shows peak memory at 0.1M, 1M and 10M customers (it should be flat).
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/scalesim ./cmd/scalesim

best() { sort -n | head -1; }
echo "== scalesim run mmc-reference (1M customers), best of 5"
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %M" ./bin/scalesim run mmc-reference >/dev/null 2>/tmp/scalesim-time.$$ || true
  tail -1 /tmp/scalesim-time.$$
done | best | awk '{printf "wall %.3f s, peak RSS %.1f MB\n", $1, $2/1024}'
rm -f /tmp/scalesim-time.$$

echo "== floor: hand-written heap loop, same model, 1M customers"
go test -run '^$' -bench 'BenchmarkFloorMMc$' -benchtime 10x ./scenarios/simulate/ | awk '/BenchmarkFloorMMc/ {printf "wall %.3f s per 1M customers\n", $3/1e9}'

echo "== peak memory against run length"
for d in 11111s 111111s 1111111s; do
  /usr/bin/time -f "%M" ./bin/scalesim run mmc-reference --duration "$d" --format json 2>/tmp/scalesim-mem.$$ >/tmp/scalesim-out.$$
  events=$(grep '"events"' /tmp/scalesim-out.$$ | tr -dc 0-9)
  tail -1 /tmp/scalesim-mem.$$ | awk -v d="$d" -v e="$events" '{printf "duration %-9s %9s events  peak RSS %.1f MB\n", d, e, $1/1024}'
done
rm -f /tmp/scalesim-mem.$$ /tmp/scalesim-out.$$

echo "== SimPy 3, same model, 1M customers (Debian's python3-simpy3)"
py=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import simpy' 2>/dev/null; then py=$candidate; break; fi
done
if [ -n "$py" ]; then
  "$py" scripts/simpy_mmc.py 1000000
else
  echo "skipped: SimPy is not installed (apt-get install python3-simpy3)"
fi
