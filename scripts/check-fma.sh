#!/usr/bin/env bash
# Fails if the compiler fuses a multiply and an add anywhere in the
# project's own code on arm64. A fused multiply-add rounds once where amd64
# rounds twice, so the same scenario and seed would give different reports
# on the two. Write float64(a*b) + c where a product meets a sum: an
# explicit conversion rounds, and the Go specification says it prevents
# fusing.
set -euo pipefail
cd "$(dirname "$0")/.."
module=$(go list -m)
pkgs=$(go list ./... | grep -v '/examples/\|/internal/fidelity')
fused=$(GOARCH=arm64 go build -gcflags="-S" $pkgs 2>&1 \
  | grep -E '\b(FMADDD|FMSUBD|FNMADDD|FNMSUBD|FMADDS|FMSUBS|FNMADDS|FNMSUBS)\b' \
  | grep -oE "\($PWD/[^)]*\)" | tr -d '()' | sed "s|$PWD/||" | sort -u || true)
if [ -n "$fused" ]; then
  echo "fused multiply-adds on arm64 (results would differ from amd64); round the product with float64(...):"
  for at in $fused; do
    file=${at%%:*}; line=${at##*:}
    echo "  $at: $(sed -n "${line}p" "$file" | sed 's/^[[:space:]]*//')"
  done
  exit 1
fi
echo "no fused multiply-adds in $module on arm64"
