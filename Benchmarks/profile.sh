#!/usr/bin/env bash
# Where a build spends its time: callgrind over the release binary building a generated site
# (default 1,000 plans), then the functions by inclusive and by own cost, demangled.
# callgrind counts instructions, so the figures repeat on a busy machine; it runs about 50x slower.
#   bash Benchmarks/profile.sh [PLANS] [build|check]
set -euo pipefail
cd "$(dirname "$0")/.."
plans=${1:-1000}
command=${2:-build}
now=${BENCH_NOW:-2026-12-01}
site=Benchmarks/sites/$plans
out=Benchmarks/results/callgrind-$command-$plans

command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind"; exit 1; }
swift build -c release --product kaasa
[ -d "$site/content" ] || python3 Benchmarks/generate.py --plans "$plans" --out "$site" --now "$now"
mkdir -p Benchmarks/results
args=(--site "$site")
[ "$command" = build ] && args+=(--now "$now" --quiet --output "$out.output")
valgrind --tool=callgrind --callgrind-out-file="$out.out" .build/release/kaasa "$command" "${args[@]}" >/dev/null
rm -rf "$out.output"
{
  echo "== inclusive =="
  callgrind_annotate --inclusive=yes --threshold=99 "$out.out" | swift demangle --simplified | head -70
  echo
  echo "== own cost =="
  callgrind_annotate --threshold=99 "$out.out" | swift demangle --simplified | head -50
} | tee "$out.txt"
echo "written to $out.txt"
