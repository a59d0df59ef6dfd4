"""Round trips on the tricky site: what an official wrote is what a reader gets.

The tricky site (sites/tricky) has & < > " ; , \\ and emoji in every text,
events on the days Europe/Tallinn changes clocks, a feedback window over New
Year, a cancelled plan with future events, a draft, and a timeline title long
enough to be folded. sites/tricky-moved, laid over it, moves one entry (with
an explicit id) to another date.

What is accepted where the content format leaves a choice:
- iCalendar SUMMARY is the entry title, or the entry title and the plan title
  joined by " — " or " – " in either order. For a cancelled plan any of these
  may carry a marker before it that ends in ": ", " — ", "] " or ") " (say
  "TÜHISTATUD: …" or "[tühistatud] …").
- An RSS link is the plan page's absolute URL with a fragment that is the
  entry key or the key behind a short prefix ("#e-<key>"), and an element
  with that id is on the page.
- A day-only entry's RSS pubDate may be any time of that day in the site's zone.
- A local time that happens twice (2026-10-25T03:30) means the first of the two,
  00:30 UTC, as RFC 5545 §3.3.5 says for a DATE-TIME with TZID.
- A timed entry without `end` may have any DTEND after DTSTART, or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import html.parser
import json
import re
from pathlib import Path

import pytest

import conftest
import kaasa_checks as kc
import site_source as src

DASH = " — "
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site(request) -> src.Site:
    return src.load(Path(request.config.getoption("tricky_site")))


@pytest.fixture(scope="session")
def now(request, site) -> dt.datetime:
    return src.parse_now(request.config.getoption("now"), site.zone)


def _build(request, option: str) -> kc.Output:
    value = request.config.getoption(option)
    conftest.need(request.config, bool(value) and Path(value).is_dir(), f"--{option.replace('_', '-')} (a build of the tricky site)")
    return kc.Output(option, Path(value))


@pytest.fixture
def tricky(request):
    return _build(request, "tricky")


@pytest.fixture
def tricky_again(request):
    return _build(request, "tricky_again")


@pytest.fixture
def tricky_moved(request):
    return _build(request, "tricky_moved")


def _tricky_files(config, pattern):
    value = config.getoption("tricky")
    if not value or not Path(value).is_dir():
        return []
    out = kc.Output("tricky", Path(value))
    return [out.rel(p) for p in out.files(pattern)]


def pytest_generate_tests(metafunc):
    if "tricky_feed" in metafunc.fixturenames:
        files = _tricky_files(metafunc.config, "feed.xml") or ["feed.xml"]
        metafunc.parametrize("tricky_feed", files)
    if "tricky_calendar" in metafunc.fixturenames:
        files = _tricky_files(metafunc.config, "*.ics") or ["calendar.ics"]
        metafunc.parametrize("tricky_calendar", files)


# ---------------------------------------------------------------- matching items to entries


@dataclasses.dataclass
class Keys:
    """Keys the build chose for entries without `id:`, as seen in feeds and calendars."""

    seen: dict[tuple[str, int], set[str]] = dataclasses.field(default_factory=dict)

    def note(self, entry: src.Entry, key: str):
        self.seen.setdefault((entry.plan_id, entry.index), set()).add(key)


def _resolve(site, ident: str, text_matches, day: dt.date | None, keys: Keys | None):
    """Entry for "<plan>/<key>"; entries without id are found by their text and day."""
    pid, sep, key = ident.partition("/")
    plan = site.plan(pid)
    if not sep or plan is None:
        return None, None, f"{ident!r} is not <published plan id>/<entry key>"
    for e in plan.timeline:
        if e.explicit_key == key:
            return plan, e, None
    candidates = [e for e in plan.timeline if e.explicit_key is None and text_matches(plan, e)
                  and (day is None or e.day(site.zone) == day)]
    if len(candidates) == 1:
        if keys is not None:
            keys.note(candidates[0], key)
        return plan, candidates[0], None
    return plan, None, (f"{ident!r}: no entry of plan {pid} has id {key!r}, and {len(candidates)} entries "
                        f"without id match the text and day")


def _scope_problem(site, plan, scope, rel):
    if scope is None:  # a plan's own calendar
        want = rel.split("/")[1]
        return None if plan.id == want else f"plan {plan.id} in the calendar of plan {want}"
    if plan not in site.plans_in_scope(scope):
        return f"plan {plan.id} does not belong in {rel}"
    return None


def _link_problem(output: kc.Output, site, plan: src.Plan, key: str, link: str) -> str | None:
    """The plan page's absolute URL and a fragment that names the entry and exists on the page.

    The fragment is the key, or the key behind a short prefix ("e-<key>"),
    which keeps entry anchors apart from the anchors of Markdown headings.
    """
    page, _, fragment = link.partition("#")
    pages = (f"{site.base_url}plans/{plan.id}/", f"{site.base_url}plans/{plan.id}/index.html")
    if page not in pages:
        return f"link {link!r} is not the plan page {pages[0]!r} with a fragment"
    if not (fragment == key or re.fullmatch(r"[a-z]{1,8}-" + re.escape(key), fragment)):
        return f"link fragment {fragment!r} does not name the entry key {key!r}"
    if fragment not in _page_ids(output.root / "plans" / plan.id / "index.html"):
        return f"link fragment #{fragment} is no id on plans/{plan.id}/index.html"
    return None


@functools.cache
def _page_ids(path: Path) -> frozenset[str]:
    if not path.is_file():
        return frozenset()
    return frozenset(html.unescape(m) for m in re.findall(r'\sid="([^"]*)"', path.read_text(encoding="utf-8")))


def _summary_ok(summary: str, plan: src.Plan, entry: src.Entry) -> bool:
    forms = [entry.title, f"{plan.title}{DASH}{entry.title}",
             f"{entry.title}{DASH}{plan.title}", f"{entry.title} – {plan.title}"]
    if summary in forms:
        return True
    if plan.status == "cancelled":
        for form in forms:
            prefix = summary[: -len(form)] if summary.endswith(form) else None
            if prefix and prefix.endswith((": ", " — ", "] ", ") ")):
                return True
    return False


def _day_order(site, e: src.Entry):
    return (e.day(site.zone), e.date if e.timed else dt.datetime.min.replace(tzinfo=dt.timezone.utc))


# ---------------------------------------------------------------- RSS


def test_rss_round_trip(tricky, tricky_feed, site, now):
    rel = tricky_feed
    data = (tricky.root / rel).read_bytes()
    feed, problems = kc.read_feed(data)
    assert feed is not None, problems
    scope = src.scope_of(rel)
    keys = Keys()
    found = []
    for n, item in enumerate(feed.items, 1):
        label = f"item {n} {item.guid!r}"
        day = item.pub_date.astimezone(site.zone).date() if item.pub_date else None
        plan, entry, why = _resolve(site, item.guid, lambda p, e: item.title == f"{p.title}{DASH}{e.title}", day, keys)
        if entry is None:
            problems.append(f"{label}: {why}")
            continue
        found.append(entry)
        key = item.guid.split("/", 1)[1]
        if (p := _scope_problem(site, plan, scope, rel)):
            problems.append(f"{label}: {p}")
        want_title = f"{plan.title}{DASH}{entry.title}"
        if item.title != want_title:
            problems.append(f"{label}: title {item.title!r}, source says {want_title!r}")
        if (p := _link_problem(tricky, site, plan, key, item.link)):
            problems.append(f"{label}: {p}")
        if not src.has_happened(entry, now, site.zone):
            problems.append(f"{label}: the entry is in the future ({entry.date}) but is in the feed")
        if item.pub_date is None:
            problems.append(f"{label}: no pubDate")
        elif entry.timed and item.pub_date != entry.date:
            problems.append(f"{label}: pubDate {item.raw_pub_date} is {item.pub_date.astimezone(dt.timezone.utc).isoformat()}, "
                            f"the entry is at {entry.date.isoformat()}")
        elif not entry.timed and day != entry.date:
            problems.append(f"{label}: pubDate {item.raw_pub_date} is not on {entry.date} in {site.zone.key}")

    # The right entries: the newest `limit` past entries of the feed's plans.
    expected = [e for p in site.plans_in_scope(scope or ()) for e in p.timeline if src.has_happened(e, now, site.zone)]
    expected.sort(key=lambda e: _day_order(site, e), reverse=True)
    want = min(site.limit, len(expected))
    if len(feed.items) != want:
        problems.append(f"{len(feed.items)} items; the source has {len(expected)} past entries for this feed "
                        f"and the limit is {site.limit}, so {want} were expected")
    cut_is_clear = len(expected) <= site.limit or _day_order(site, expected[site.limit - 1])[0] != _day_order(site, expected[site.limit])[0]
    if cut_is_clear:
        for e in expected[:want]:
            if e not in found:
                problems.append(f"missing: entry {e.plan_id}/{e.explicit_key or e.title!r} ({e.date})")
    assert not problems, f"{rel}:\n" + "\n".join(problems)
    _implicit_key_problems(site, keys)


def _implicit_key_problems(site, keys: Keys):
    problems = []
    for (pid, index), seen in keys.seen.items():
        entry = site.plan(pid).timeline[index]
        if len(seen) != 1:
            problems.append(f"{pid}: entry {entry.title!r} has several keys: {sorted(seen)}")
        for key in seen:
            if not SLUG.match(key):
                problems.append(f"{pid}: entry {entry.title!r} has key {key!r}, not a slug")
    # Repeated titles without id: slug, slug-2, slug-3 … in file order.
    for plan in site.published:
        by_title: dict[str, list[src.Entry]] = {}
        for e in plan.timeline:
            if e.explicit_key is None:
                by_title.setdefault(e.title, []).append(e)
        for title, entries in by_title.items():
            seen = [next(iter(keys.seen.get((plan.id, e.index), {None}))) for e in entries]
            if len(entries) > 1 and None not in seen:
                base = seen[0]
                want = [base] + [f"{base}-{n}" for n in range(2, len(entries) + 1)]
                if seen != want:
                    problems.append(f"{plan.id}: repeated title {title!r} has keys {seen}, want {want}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- iCalendar


def test_ics_round_trip(tricky, tricky_calendar, site):
    rel = tricky_calendar
    events = kc.read_events((tricky.root / rel).read_bytes())
    scope = src.scope_of(rel)
    plans = site.plans_in_scope(scope) if scope is not None else [site.plan(rel.split("/")[1])]
    assert None not in plans, f"{rel}: the calendar of a plan that is not published"
    problems = []
    keys = Keys()
    host = site.host
    found = set()
    for ev in events:
        label = f"VEVENT {ev.uid!r}"
        if not ev.uid.endswith("@" + host):
            problems.append(f"{label}: UID does not end in @{host}")
            continue
        ident = ev.uid[: -len(host) - 1]
        pid, _, key = ident.partition("/")
        if key == "feedback" and site.plan(pid) is not None:
            plan = site.plan(pid)
            found.add((pid, "feedback"))
            if plan.feedback is None:
                problems.append(f"{label}: plan {pid} has no feedback window")
            else:
                opens, closes = plan.feedback
                if not ev.all_day or ev.start != opens or ev.end != closes + dt.timedelta(days=1):
                    problems.append(f"{label}: feedback window is {ev.start} – {ev.end}, want all-day "
                                    f"DTSTART {opens} and exclusive DTEND {closes + dt.timedelta(days=1)}")
            if (p := _scope_problem(site, plan, scope, rel)):
                problems.append(f"{label}: {p}")
            continue
        day = ev.start.astimezone(site.zone).date() if isinstance(ev.start, dt.datetime) else ev.start
        plan, entry, why = _resolve(site, ident, lambda p, e: _summary_ok(ev.summary, p, e), day, keys)
        if entry is None:
            problems.append(f"{label}: {why} (SUMMARY {ev.summary!r})")
            continue
        found.add((plan.id, entry.index))
        if (p := _scope_problem(site, plan, scope, rel)):
            problems.append(f"{label}: {p}")
        if not _summary_ok(ev.summary, plan, entry):
            problems.append(f"{label}: SUMMARY {ev.summary!r} is not the entry title {entry.title!r} "
                            f"(nor it joined with the plan title by ' — ' or ' – ')")
        if entry.location is not None and ev.location != entry.location:
            problems.append(f"{label}: LOCATION {ev.location!r}, source says {entry.location!r}")
        if entry.timed:
            if ev.all_day or ev.start != entry.date:
                problems.append(f"{label}: DTSTART is {ev.start!r} (UTC), the entry is at {entry.date.isoformat()}")
            if entry.end is not None and ev.end != entry.end:
                problems.append(f"{label}: DTEND is {ev.end!r} (UTC), the entry ends at {entry.end.isoformat()}")
        else:
            last = entry.end if isinstance(entry.end, dt.date) and not isinstance(entry.end, dt.datetime) else entry.date
            if not ev.all_day or ev.start != entry.date or ev.end != last + dt.timedelta(days=1):
                problems.append(f"{label}: a day entry {entry.date} must be all-day with DTSTART {entry.date} and "
                                f"exclusive DTEND {last + dt.timedelta(days=1)}; got {ev.start!r} – {ev.end!r}")
    for plan in plans:
        for e in plan.timeline:
            if (plan.id, e.index) not in found:
                problems.append(f"missing: entry {plan.id}/{e.explicit_key or e.title!r} ({e.date})")
        if plan.feedback and (plan.id, "feedback") not in found:
            problems.append(f"missing: the feedback window of {plan.id} ({plan.id}/feedback@{host})")
    assert not problems, f"{rel}:\n" + "\n".join(problems)
    _implicit_key_problems(site, keys)


# ---------------------------------------------------------------- named instants


def _plan_events(output: kc.Output, plan_id: str) -> dict[str, kc.CalendarEvent]:
    path = output.root / "plans" / plan_id / "calendar.ics"
    assert path.is_file(), f"plans/{plan_id}/calendar.ics is missing"
    return {ev.uid: ev for ev in kc.read_events(path.read_bytes())}


UTC = dt.timezone.utc
DST_CASES = [
    # (plan, key, local time in Europe/Tallinn, the instant it must be)
    ("oismae-tee-ja-valgustus", "paevane-arutelu", "2026-10-25T12:00", dt.datetime(2026, 10, 25, 10, 0, tzinfo=UTC)),
    ("oismae-tee-ja-valgustus", "kevadine-arutelu", "2027-03-28T10:00", dt.datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),
    ("oismae-tee-ja-valgustus", "oine-koosolek", "2026-10-25T03:30 (first of two)", dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("oismae-tee-ja-valgustus", "offsetiga", "2026-11-05T09:00+02:00", dt.datetime(2026, 11, 5, 7, 0, tzinfo=UTC)),
    ("park-berezka", "obsuzhdenie", "2026-10-01T17:00 (summer time)", dt.datetime(2026, 10, 1, 14, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize("plan_id,key,local,instant", DST_CASES, ids=[c[1] for c in DST_CASES])
def test_dst_instants(tricky, site, plan_id, key, local, instant):
    events = _plan_events(tricky, plan_id)
    uid = f"{plan_id}/{key}@{site.host}"
    assert uid in events, f"no VEVENT with UID {uid}; UIDs: {sorted(events)}"
    assert events[uid].start == instant, f"{local} Europe/Tallinn must be {instant:%Y-%m-%dT%H:%MZ}, the calendar says {events[uid].start}"
    # The same instant in every RSS feed the entry is in.
    for path in tricky.files("feed.xml"):
        feed, _ = kc.read_feed(path.read_bytes())
        for item in feed.items if feed else []:
            if item.guid == f"{plan_id}/{key}":
                assert item.pub_date == instant, f"{tricky.rel(path)}: pubDate {item.raw_pub_date}, want {instant:%Y-%m-%dT%H:%MZ}"


def test_feedback_window_over_new_year(tricky, site):
    events = _plan_events(tricky, "oismae-tee-ja-valgustus")
    uid = f"oismae-tee-ja-valgustus/feedback@{site.host}"
    assert uid in events, f"no VEVENT {uid}"
    ev = events[uid]
    assert ev.all_day, f"the feedback window must be all-day (VALUE=DATE), got {ev.start!r}"
    assert (ev.start, ev.end) == (dt.date(2026, 12, 20), dt.date(2027, 1, 11)), \
        f"2026-12-20 to 2027-01-10 inclusive is DTSTART 20261220, DTEND 20270111; got {ev.start} – {ev.end}"


def test_cancelled_plan_keeps_future_events(tricky, site):
    events = _plan_events(tricky, "saare-bussiootepaviljon")
    for key in ("tuleviku-koosolek", "tuleviku-otsus"):
        assert f"saare-bussiootepaviljon/{key}@{site.host}" in events, f"future event {key} of the cancelled plan is missing"
    plans, problems = kc.load_plans_json(tricky)
    assert not problems, problems
    status = {p.get("id"): p.get("status") for p in plans}
    assert status.get("saare-bussiootepaviljon") == "cancelled", f"plans.json status: {status.get('saare-bussiootepaviljon')!r}"


def test_long_title_is_folded_not_cut(tricky, site):
    plan = site.plan("park-berezka")
    entry = next(e for e in plan.timeline if e.explicit_key == "obsuzhdenie")
    assert len(entry.title) >= 200
    data = (tricky.root / "plans/park-berezka/calendar.ics").read_bytes()
    assert not kc.ical_byte_problems(data), kc.ical_byte_problems(data)
    ev = {e.uid: e for e in kc.read_events(data)}[f"park-berezka/obsuzhdenie@{site.host}"]
    assert _summary_ok(ev.summary, plan, entry), f"SUMMARY {ev.summary!r}"


# ---------------------------------------------------------------- stability between builds


def _guids(output: kc.Output) -> dict[str, list[str]]:
    out = {}
    for path in output.files("feed.xml"):
        feed, _ = kc.read_feed(path.read_bytes())
        out[output.rel(path)] = [i.guid for i in feed.items] if feed else []
    return out


def _uids(output: kc.Output) -> dict[str, set[str]]:
    return {output.rel(p): {e.uid for e in kc.read_events(p.read_bytes())} for p in output.files("*.ics")}


def test_ids_identical_across_builds(tricky, tricky_again):
    assert _guids(tricky) == _guids(tricky_again)
    assert _uids(tricky) == _uids(tricky_again)


def test_feed_bytes_identical_across_builds(tricky, tricky_again):
    differ = []
    for path in tricky.files("feed.xml") + tricky.files("*.ics"):
        other = tricky_again.root / tricky.rel(path)
        if not other.is_file() or other.read_bytes() != path.read_bytes():
            differ.append(tricky.rel(path))
    assert not differ, "not byte-identical across two builds with the same --now: " + ", ".join(differ)


MOVED = ("oismae-tee-ja-valgustus", "nihutatav-koosolek")


def test_moved_entry_keeps_guid_and_uid(tricky, tricky_moved, site):
    plan_id, key = MOVED
    assert _guids(tricky) .keys() == _guids(tricky_moved).keys()
    for rel, guids in _guids(tricky).items():
        assert set(guids) == set(_guids(tricky_moved)[rel]), f"{rel}: guids changed when an entry moved"
    assert _uids(tricky) == _uids(tricky_moved), "UIDs changed when an entry moved"
    uid = f"{plan_id}/{key}@{site.host}"
    before, after = _plan_events(tricky, plan_id)[uid], _plan_events(tricky_moved, plan_id)[uid]
    assert before.start == dt.datetime(2026, 11, 10, 16, 0, tzinfo=UTC), before.start
    assert after.start == dt.datetime(2026, 11, 12, 15, 0, tzinfo=UTC), f"the moved entry is at {after.start} in the moved build"
    feed, _ = kc.read_feed((tricky_moved.root / "feed.xml").read_bytes())
    item = next((i for i in feed.items if i.guid == f"{plan_id}/{key}"), None)
    assert item is not None, "the moved entry is not in /feed.xml of the moved build"
    assert item.pub_date == after.start, f"pubDate {item.raw_pub_date} after the move"


def test_moved_variant_differs_only_in_that_date(request):
    """Guards the fixture: the moved copy must stay the original with one date changed."""
    rel = Path("content/plans") / f"{MOVED[0]}.md"
    a = (Path(request.config.getoption("tricky_site")) / rel).read_text(encoding="utf-8").splitlines()
    b = (Path(request.config.getoption("tricky_moved_site")) / rel).read_text(encoding="utf-8").splitlines()
    changed = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b) and [x.split(":")[0] for x, _ in changed] == ["  - date", "    end"], changed


# ---------------------------------------------------------------- pages and plans.json


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _page_text(output: kc.Output, rel: str) -> str:
    path = output.root / rel
    assert path.is_file(), f"{rel} is missing"
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return _norm(" ".join(parser.parts))


def test_pages_show_texts_exactly(tricky, site):
    problems = []
    for plan in site.published:
        rel = f"plans/{plan.id}/index.html"
        text = _page_text(tricky, rel)
        wanted = [plan.title, plan.summary] + [e.title for e in plan.timeline] + \
                 [e.location for e in plan.timeline if e.location] + ([plan.location] if plan.location else [])
        problems += [f"{rel}: does not show {w!r}" for w in wanted if _norm(w) not in text]
    for m in site.municipalities:
        text = _page_text(tricky, f"{m.id}/index.html")
        if _norm(m.name) not in text:
            problems.append(f"{m.id}/index.html: does not show {m.name!r}")
        for v in m.villages:
            rel = f"{m.id}/{v.id}/index.html"
            if _norm(v.name) not in _page_text(tricky, rel):
                problems.append(f"{rel}: does not show {v.name!r}")
    if _norm(site.title) not in _page_text(tricky, "index.html"):
        problems.append(f"index.html: does not show the site title {site.title!r}")
    assert not problems, "\n".join(problems)


def test_plans_json_round_trip(tricky, site):
    plans, problems = kc.load_plans_json(tricky)
    assert not problems, problems
    by_id = {p.get("id"): p for p in plans}
    assert set(by_id) == {p.id for p in site.published}, f"plans.json ids {sorted(by_id)}"
    for plan in site.published:
        got = by_id[plan.id]
        if got.get("title") != plan.title:
            problems.append(f"{plan.id}: title {got.get('title')!r}, source {plan.title!r}")
        m = site.municipality(plan.municipality)
        if got.get("municipality") != m.id or got.get("municipalityName", m.name) != m.name:
            problems.append(f"{plan.id}: municipality {got.get('municipality')!r}/{got.get('municipalityName')!r}")
        want_villages = [{"id": v.id, "name": v.name} for v in m.villages if v.id in plan.villages]
        got_villages = [{"id": v.get("id"), "name": v.get("name")} for v in got.get("villages") or []]
        if sorted(got_villages, key=str) != sorted(want_villages, key=str):
            problems.append(f"{plan.id}: villages {got_villages}, source {want_villages}")
        if plan.feedback and not all(d.isoformat() in json.dumps(got.get("feedback")) for d in plan.feedback):
            problems.append(f"{plan.id}: feedback {got.get('feedback')!r} does not give {plan.feedback}")
    assert not problems, "\n".join(problems)


def test_draft_is_nowhere(tricky, site):
    drafts = [p for p in site.plans if p.draft]
    assert drafts, "the tricky site should have a draft"
    problems = []
    for plan in drafts:
        if (tricky.root / "plans" / plan.id).exists():
            problems.append(f"plans/{plan.id}/ was built from a draft")
        needles = [plan.title.encode(), f"{plan.id}/".encode()]
        for path in tricky.files("*"):
            data = path.read_bytes()
            if path.suffix in (".html", ".xml"):
                data = data.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&").replace(b"&quot;", b'"')
            for needle in needles:
                if needle in data:
                    problems.append(f"{tricky.rel(path)} mentions the draft ({needle.decode()!r})")
    assert not problems, "\n".join(problems)
