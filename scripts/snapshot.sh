#!/usr/bin/env bash
# Writes the output of every command on every built-in (tables, JSON, CSV,
# plots' data, error messages) into DIR, so that a refactoring can be checked
# byte for byte:
#
#   scripts/snapshot.sh /tmp/before     # on the old commit
#   scripts/snapshot.sh /tmp/after      # on the new one
#   diff -r /tmp/before /tmp/after
#
# Takes a few minutes on 2 cores. With GOARCH=arm64 (and qemu-aarch64
# installed) the arm64 build runs under emulation, to compare the bytes
# two architectures write:
#
#   GOARCH=arm64 scripts/snapshot.sh /tmp/arm64; diff -r /tmp/before /tmp/arm64
#
# SNAPSHOT_BIN names the binary to build (default bin/scalesim-ARCH), so
# that two snapshots of one tree at once do not race on it.
set -uo pipefail
out=${1:?usage: scripts/snapshot.sh DIR}
cd "$(dirname "$0")/.."
arch=${GOARCH:-$(go env GOARCH)}
bin=${SNAPSHOT_BIN:-$PWD/bin/scalesim-$arch}
go build -o "$bin" ./cmd/scalesim || exit 1
run=()
if [ "$arch" != "$(go env GOHOSTARCH)" ]; then
  run=("qemu-$( [ "$arch" = arm64 ] && echo aarch64 || echo "$arch")")
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=$PWD
cd "$out" # plots are written to relative paths, so the messages match

# snap NAME ARGS...: stdout, stderr and exit status of one command.
snap() {
  local name=$1
  shift
  "${run[@]}" "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo "$?" >"$out/$name.status"
}

for b in $("${run[@]}" "$bin" list | awk '{print $1}'); do
  snap "run-$b" run "$b"
  snap "run-$b-json" run "$b" --format json
  snap "estimate-$b" estimate "$b"
  snap "estimate-$b-json" estimate "$b" --format json
  snap "explain-$b" explain "$b" --set run.duration=60s
  snap "explain-$b-json" explain "$b" --format json --set run.duration=60s
  snap "validate-$b" validate "$b"
  snap "show-$b" show "$b"
done
snap list list

# Every analysis on every built-in it applies to (on the others, its
# refusal): a short sweep, a comparison with itself and with a what-if, a
# timeline; a run's time series and figures where it has them.
for b in $("${run[@]}" "$bin" list | awk '{print $1}'); do
  snap "sweep-all-$b" sweep "$b" --points 3 --quiet --max-requests 100k --set run.duration=60s
  snap "compare-all-$b" compare "$b" "$b" --seeds 2 --set run.duration=60s --format json
  snap "timeline-all-$b" timeline "$b" --every 3mo --quiet --max-requests 100k
  snap "run-series-$b" run "$b" --set run.duration=120s --timeseries "series-$b.csv" --plot "plots-run-$b"
done

# The hostile corpus: what run and validate say of each file (refusals,
# reports and their exit statuses).
for f in "$repo"/scenarios/testdata/hostile/*.yaml; do
  name=$(basename "$f" .yaml)
  ( cd "$(dirname "$f")" && "${run[@]}" "$bin" run "$(basename "$f")" >"$out/hostile-run-$name.out" 2>"$out/hostile-run-$name.err"; echo "$?" >"$out/hostile-run-$name.status" )
  ( cd "$(dirname "$f")" && "${run[@]}" "$bin" validate "$(basename "$f")" >"$out/hostile-validate-$name.out" 2>"$out/hostile-validate-$name.err"; echo "$?" >"$out/hostile-validate-$name.status" )
done

snap sweep-three-tier sweep three-tier --users 100..10M --points 8 --quiet
snap sweep-three-tier-json sweep three-tier --users 100..10M --points 6 --format json --quiet
snap sweep-three-tier-csv sweep three-tier --users 100..10M --points 6 --format csv --quiet --analytic
snap sweep-read-heavy sweep read-heavy --rate 500..8k --points 5 --quiet --analytic --max-requests 200k
snap sweep-sharded sweep sharded-writes --rate 100..5k --points 5 --format csv --quiet --max-requests 200k
snap sweep-closed sweep closed-loop --points 5 --quiet --max-requests 200k
snap sweep-flash sweep flash-sale --rate 100..2k --points 4 --quiet --precision 0 --set run.duration=60s
snap sweep-fail sweep checkout-api --rate 100..5k --points 4 --fail-on-slo --quiet --max-requests 200k
snap sweep-plot sweep three-tier --users 100..10M --points 5 --quiet --plot plots-sweep
snap compare-self compare read-heavy read-heavy --seeds 2 --set run.duration=60s
snap compare-whatif compare three-tier three-tier --set-b nodes.app.instances=6 --users 5M --seeds 3 --format json
snap compare-whatif-table compare three-tier three-tier --set-b nodes.app.instances=6 --users 5M --seeds 3
snap compare-sweeps compare three-tier three-tier --set-b nodes.app.instances=6 --users 1M..20M --points 4 --plot plots-compare
snap timeline timeline three-tier --every 1mo --quiet --plot plots-timeline
snap timeline-json timeline three-tier --every 2mo --quiet --format json

# Sweeps along a field (--vary): each point's verdict and the cheapest that
# passes; users=RANGE is --users RANGE (vary-users-json equals
# sweep-three-tier-json).
snap vary-instances sweep three-tier --vary nodes.app.instances=2..6 --set workload.users=4M --quiet --max-requests 100k
snap vary-instances-csv sweep three-tier --vary nodes.app.instances=2..6:2 --set workload.users=4M --quiet --max-requests 100k --format csv
snap vary-db-json sweep three-tier --vary nodes.db.instance=db.r6g.large,db.r6g.xlarge --quiet --max-requests 100k --format json
snap vary-mean sweep three-tier --vary 'nodes.app.service_time.mean=5ms..50ms' --log --points 4 --quiet --max-requests 100k --analytic
snap vary-users-json sweep three-tier --vary users=100..10M --points 6 --format json --quiet
snap vary-compare compare three-tier three-tier --set-b nodes.db.instance=db.r6g.large --vary nodes.app.instances=3..5 --precision 5% --quiet
snap vary-fail sweep three-tier --vary nodes.app.instances=1,2 --set workload.users=4M --fail-on-slo --quiet --max-requests 100k

# Errors and exit statuses.
snap err-format run --format xml
snap err-points sweep --points 1
snap err-nofile run no-such-file
snap err-timeline timeline checkout-api --quiet
snap err-sweep-axis sweep checkout-api --users 1..10 --quiet
snap err-set run --set nodes.ap.instances=6
snap err-explain-format explain --format csv
snap err-compare-args compare a
snap err-vary-points sweep three-tier --vary nodes.app.instances=2..20 --points 5 --quiet
snap err-vary-plot sweep three-tier --vary nodes.app.instances=2..4 --plot plots-vary --quiet
snap err-vary-value sweep three-tier --vary nodes.app.instances=0,2 --quiet
snap err-vary-units sweep three-tier --vary nodes.app.service_time.mean=5ms..1s --quiet
mkdir -p bad
cat >bad/typos.yaml <<'YAML'
name: typos
workload: {rate: 10, mix: {read: 0.9, wrte: 0.1}}
entry: lb
nodes:
  lb: {kind: load_balancr, targets: app}
  app: {kind: service, worker: 4, service_time: 10, calls: [{to: db, classes: [write]}]}
  db: {kind: database, service_time: 5ms, replicas: 0, read_your_writes: 1s}
  c: {kind: cache, capacity: 10, nodes: 0}
slo: {p99: 0s, p98: 1s}
run: {duration: -1s}
YAML
cat >bad/cycle.yaml <<'YAML'
name: cycle
workload: {rate: 10}
entry: a
nodes:
  a: {kind: service, service_time: 1ms, calls: [b]}
  b: {kind: service, service_time: 1ms, calls: [a]}
  lb: {kind: load_balancer, targets: [a, cdn]}
  cdn: {kind: cdn, origin: a, capacity: 10}
YAML
for f in bad/*.yaml; do
  snap "validate-$(basename "$f" .yaml)" validate "$f"
done
