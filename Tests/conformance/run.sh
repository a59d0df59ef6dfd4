#!/usr/bin/env bash
# The conformance suite: builds sites with the real `kaasa` and checks the
# output with the programs readers use (Nu HTML Checker, axe-core in Chromium,
# feedparser, icalendar, vobject, libical).
#
#   bash Tests/conformance/setup.sh            # once per machine
#   bash Tests/conformance/run.sh [REPO_ROOT]
#
# Environment:
#   KAASA              the kaasa binary (default: REPO/.build/release/kaasa, else .build/debug/kaasa)
#   KAASA_NOW          the --now of every build (default 2026-11-26T12:00)
#   KAASA_SCREENSHOTS  where the screenshots go (default Tests/conformance/.screenshots)
#   KAASA_KEEP=1       keep the temporary builds and print where they are
#   PYTEST_ADDOPTS     extra pytest options (-x, -k axe, …)
#
# Builds: the sample site (REPO/content) in et, en and ru (en and ru are
# copies with `language:` rewritten), et twice for determinism; the tricky
# site twice, and once with sites/tricky-moved laid over it. Every build is
# counted as a test. The last line is "N passed, M failed"; the exit status is
# non-zero when anything failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${1:-$here/../..}" && pwd)"
now="${KAASA_NOW:-2026-11-26T12:00}"
python="${KAASA_CONFORMANCE_VENV:-$here/.venv}/bin/python"

kaasa="${KAASA:-}"
if [ -z "$kaasa" ]; then
  for candidate in "$repo/.build/release/kaasa" "$repo/.build/debug/kaasa"; do
    if [ -x "$candidate" ]; then kaasa="$candidate"; break; fi
  done
fi
if [ -z "$kaasa" ] || [ ! -x "$kaasa" ]; then
  echo "conformance: no kaasa binary (set KAASA or run 'swift build -c release' in $repo)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
kaasa="$(cd "$(dirname "$kaasa")" && pwd)/$(basename "$kaasa")"

if [ ! -x "$python" ]; then
  bash "$here/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kaasa-conformance.XXXXXX")"
if [ "${KAASA_KEEP:-0}" = 1 ]; then
  echo "conformance: builds kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi

builds_passed=0
builds_failed=0

# build LABEL SITE_DIR: kaasa build into $work/LABEL; a failed build is a failed test.
build() {
  local label="$1" site="$2" started=$SECONDS
  if "$kaasa" build --site "$site" --output "$work/$label" --now "$now" --quiet >"$work/$label.log" 2>&1; then
    builds_passed=$((builds_passed + 1))
    echo "conformance: built $label in $((SECONDS - started)) s"
  else
    builds_failed=$((builds_failed + 1))
    echo "conformance: FAILED: kaasa build of $label (site $site):"
    sed 's/^/    /' "$work/$label.log" | head -50
  fi
}

# site_copy SOURCE DEST [LANGUAGE]: the site's content/ with the repository's
# themes/ beside it, optionally in another UI language.
site_copy() {
  local source="$1" dest="$2" language="${3:-}"
  mkdir -p "$dest"
  cp -R "$source/content" "$dest/content"
  ln -s "$repo/themes" "$dest/themes"
  if [ -n "$language" ]; then
    if grep -q '^language:' "$dest/content/site.yml"; then
      sed -i -E "s/^language:.*/language: $language/" "$dest/content/site.yml"
    else
      printf '\nlanguage: %s\n' "$language" >>"$dest/content/site.yml"
    fi
  fi
}

build et "$repo"
build et-again "$repo"
for language in en ru; do
  site_copy "$repo" "$work/site-$language" "$language"
  build "$language" "$work/site-$language"
done

site_copy "$here/sites/tricky" "$work/site-tricky"
build tricky "$work/site-tricky"
build tricky-again "$work/site-tricky"
site_copy "$here/sites/tricky" "$work/site-tricky-moved"
cp -R "$here/sites/tricky-moved/content/." "$work/site-tricky-moved/content/"
build tricky-moved "$work/site-tricky-moved"

export KAASA_BINARY="$kaasa"  # for the feedback browser test, which builds and serves its own copy
counts="$work/counts.json"
(cd "$here" && "$python" -m pytest "$here" -q --require-inputs \
  --output "et=$work/et" --source "et=$repo" \
  --output "en=$work/en" --source "en=$work/site-en" \
  --output "ru=$work/ru" --source "ru=$work/site-ru" \
  --output "tricky=$work/tricky" --source "tricky=$work/site-tricky" \
  --tricky "$work/tricky" --tricky-again "$work/tricky-again" --tricky-moved "$work/tricky-moved" \
  --tricky-site "$here/sites/tricky" --tricky-moved-site "$here/sites/tricky-moved" \
  --twin "$work/et,$work/et-again" --twin "$work/tricky,$work/tricky-again" \
  --now "$now" --screenshots "${KAASA_SCREENSHOTS:-$here/.screenshots}" \
  --counts-file "$counts")
pytest_status=$?

read -r passed failed skipped < <("$python" -c '
import json, sys
try:
    c = json.load(open(sys.argv[1]))
    print(c["passed"], c["failed"], c["skipped"])
except (OSError, ValueError, KeyError):
    print(0, 1, 0)  # pytest stopped before it could count: that is a failure
' "$counts")
if [ "$pytest_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

passed=$((passed + builds_passed))
failed=$((failed + builds_failed))
if [ "$skipped" -gt 0 ]; then echo "conformance: $skipped skipped"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
