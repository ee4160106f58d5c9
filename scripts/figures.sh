#!/usr/bin/env bash
# Regenerates the gallery in docs/figures/ (make figures): every figure the
# commands draw, on the built-ins, as the PNG each command writes beside
# its SVG. Run it after a change to plots/ and look at the images.
#
#   sweep-*          scalesim sweep three-tier --users 100..10M --points 20
#   compare-p99      scalesim compare three-tier three-tier --set-b nodes.app.instances=6 --users 1M..20M --points 8
#   compare-goodput  scalesim compare retry-storm retry-storm-budget
#   timeline-*       scalesim timeline three-tier --every 1mo
#   diurnal-hpa-*    scalesim run diurnal-hpa (a day, 32 scaling events)
#   flash-sale-*     scalesim run flash-sale-autoscaled (a ramp, a spike, a step)
#   faults-*         the same with two faults on inventory
#   active-passive-* scalesim run multi-region-active-passive (a region down: latency by user region)
#   active-active-*  scalesim run multi-region-active-active (the same, both regions serving)
#
# FIGURES_BIN names the binary to build (default bin/scalesim-figures).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FIGURES_BIN:-$PWD/bin/scalesim-figures}
out=docs/figures
go build -o "$bin" ./cmd/scalesim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# draw GROUP ARGS...: the figures of one command into $tmp/GROUP.
draw() {
  local group=$1
  shift
  "$bin" "$@" --plot "$tmp/$group" >/dev/null 2>"$tmp/$group.err" || {
    cat "$tmp/$group.err" >&2
    exit 1
  }
}

draw sweep sweep three-tier --users 100..10M --points 20 --quiet
draw compare compare three-tier three-tier --set-b nodes.app.instances=6 --users 1M..20M --points 8 --quiet
draw compare compare retry-storm retry-storm-budget --quiet
draw timeline timeline three-tier --every 1mo --quiet
draw diurnal-hpa run diurnal-hpa
draw flash-sale run flash-sale-autoscaled
draw faults run flash-sale-autoscaled --set 'faults=[{at: 330s, for: 2m, node: inventory, instances: 1}, {at: 11m, for: 1m, node: inventory, latency: 100ms}]'
# The regions' runs: their latency by user region, and the run's latency.
for group in active-passive active-active; do
  draw "$group" run "multi-region-$group"
  find "$tmp/$group" -name '*.png' ! -name 'run-latency*' -delete
done

rm -rf "$out"
mkdir -p "$out"
for dir in "$tmp"/*/; do
  group=$(basename "$dir")
  for png in "$dir"*.png; do
    name=$(basename "$png" .png)
    name=${name#run-}
    case $name in
      "$group"-*) cp "$png" "$out/$name.png" ;;
      *) cp "$png" "$out/$group-$name.png" ;;
    esac
  done
done
ls "$out"
