#!/usr/bin/env bash
# `make bench`: build the release binary, make sure GNU time and Hugo are there, then time kaasa
# and Hugo on the same synthetic sites (Benchmarks/bench.py; settings in Benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/time ] || missing+=(time)
if [ "${BENCH_HUGO:-1}" != 0 ] && ! command -v hugo >/dev/null; then missing+=(hugo); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} ..."
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

make --no-print-directory release
python3 Benchmarks/bench.py "$@"

# What reading plan history from git adds: 10,000 plans with 50,000 commits (BENCH_HISTORY=0 skips it).
if [ "${BENCH_HISTORY:-1}" != 0 ]; then
  echo
  KAASA="$PWD/.build/release/kaasa" RUNS="${BENCH_RUNS:-3}" bash Benchmarks/history/run.sh
fi
