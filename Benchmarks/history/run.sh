#!/usr/bin/env bash
# What reading plan history from git adds to a build: a synthetic repository of PLANS plans and
# COMMITS commits, built without git, with git and no cache (a fresh clone in CI), with the cache
# of the same HEAD, and with the cache and one new commit. Prints the median of RUNS builds each.
#
#   Benchmarks/history/run.sh              10,000 plans, 50,000 commits, 3 runs
#   PLANS=1000 COMMITS=5000 RUNS=5 Benchmarks/history/run.sh
#
# KAASA is the kaasa to time (default: a release build made here). The repository is made once
# with git fast-import and kept in WORK (default: a folder under TMPDIR) for later runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

PLANS=${PLANS:-10000}
COMMITS=${COMMITS:-50000}
RUNS=${RUNS:-3}
WORK=${WORK:-${TMPDIR:-/tmp}/kaasa-history-bench-$PLANS-$COMMITS}
if [ -z "${KAASA:-}" ]; then
  swift build -c release --product kaasa >&2
  KAASA=$PWD/.build/release/kaasa
fi

repo=$WORK/repo
plain=$WORK/without-git
if [ ! -f "$repo/.git/kaasa-bench-made" ]; then
  rm -rf "$WORK"
  mkdir -p "$repo"
  echo "making a repository of $PLANS plans and $COMMITS commits in $repo…" >&2
  git -C "$repo" init -q -b main
  python3 Benchmarks/history/make-repo.py "$PLANS" "$COMMITS" | git -C "$repo" fast-import --quiet --done
  # A clone's pack, as CI gets it, rather than fast-import's.
  git -C "$repo" repack -a -d -q
  git -C "$repo" checkout -q main
  touch "$repo/.git/kaasa-bench-made"
fi
rm -rf "$plain"
mkdir -p "$plain"
git -C "$repo" archive HEAD | tar -x -C "$plain"

out=$WORK/output
seconds() { # command…: wall seconds of one run
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
build() { "$KAASA" build --site "$1" --output "$out" --now 2026-11-26 --quiet; }
# The time git and the reading of its output took, as `kaasa build` reports it (on a background
# thread, while the content loads), for a cold and a warm cache.
git_seconds() { "$KAASA" build --site "$1" --output "$out" --now 2026-11-26 | sed -n 's/.*git history read in \([0-9.]*\) s.*/\1/p'; }

time_plain=$(for _ in $(seq "$RUNS"); do seconds build "$plain"; done | median)
time_cold=$(for _ in $(seq "$RUNS"); do rm -rf "$repo/.kaasa-cache"; seconds build "$repo"; done | median)
time_warm=$(for _ in $(seq "$RUNS"); do seconds build "$repo"; done | median)
time_new=$(for i in $(seq "$RUNS"); do
  rm -rf "$WORK/extra" && git clone -q "$repo" "$WORK/extra" && cp -r "$repo/.kaasa-cache" "$WORK/extra/"
  f=$(git -C "$WORK/extra" ls-files content/plans | head -1)
  sed -i "s/^summary: /summary: Muudetud $i. /" "$WORK/extra/$f"
  git -C "$WORK/extra" -c user.name=Bench -c user.email=bench@example.ee commit -q -am "Uus kokkuvõte"
  seconds build "$WORK/extra"
done | median)
rm -rf "$WORK/extra"
git_cold=$(for _ in $(seq "$RUNS"); do rm -rf "$repo/.kaasa-cache"; git_seconds "$repo"; done | median)
git_warm=$(for _ in $(seq "$RUNS"); do git_seconds "$repo"; done | median)
rm -rf "$out"

printf '%-46s %8s %10s\n' "build of $PLANS plans, $COMMITS commits" "seconds" "added"
row() { printf '%-46s %8.2f %+10.2f\n' "$1" "$2" "$(awk -v a="$2" -v b="$time_plain" 'BEGIN { print a - b }')"; }
row "without git (no history)" "$time_plain"
row "with git, no cache (a fresh clone)" "$time_cold"
row "with git, cache of the same commit" "$time_warm"
row "with git, cache and one new commit" "$time_new"
printf '%-46s %8.2f\n' "reading the history alone, no cache" "$git_cold"
printf '%-46s %8.2f\n' "reading the history alone, cache of HEAD" "$git_warm"
