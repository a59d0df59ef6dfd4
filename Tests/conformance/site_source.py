"""Reads a site's content/ the way the content format describes it, to know
what the feeds and calendars built from it must say.

Only what the round-trip checks need: texts exactly as YAML gives them, dates
as instants, and which plans belong to which feed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

UTC = dt.timezone.utc


@dataclasses.dataclass
class Entry:
    plan_id: str
    index: int
    explicit_key: str | None  # `id:` if given; otherwise the build's slug, unknown here
    title: str
    date: dt.date | dt.datetime  # a day, or an aware instant
    end: dt.date | dt.datetime | None
    location: str | None

    @property
    def timed(self) -> bool:
        return isinstance(self.date, dt.datetime)

    def day(self, zone: ZoneInfo) -> dt.date:
        return self.date.astimezone(zone).date() if self.timed else self.date


@dataclasses.dataclass
class Plan:
    id: str
    title: str
    summary: str
    municipality: str
    villages: list[str]
    status: str | None
    draft: bool
    feedback: tuple[dt.date, dt.date] | None
    timeline: list[Entry]
    location: str | None


@dataclasses.dataclass
class Village:
    id: str
    name: str


@dataclasses.dataclass
class Municipality:
    id: str
    name: str
    villages: list[Village]


@dataclasses.dataclass
class Site:
    title: str
    base_url: str
    zone: ZoneInfo
    limit: int
    municipalities: list[Municipality]
    plans: list[Plan]  # drafts included; see `published`

    @property
    def host(self) -> str:
        from urllib.parse import urlparse

        return urlparse(self.base_url).hostname or ""

    @property
    def published(self) -> list[Plan]:
        return [p for p in self.plans if not p.draft]

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.published if p.id == plan_id), None)

    def municipality(self, mid: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.id == mid), None)

    def plans_in_scope(self, scope: tuple[str, ...]) -> list[Plan]:
        """() the whole site, (m,) a municipality, (m, v) a village with the municipality-wide plans."""
        plans = self.published
        if len(scope) >= 1:
            plans = [p for p in plans if p.municipality == scope[0]]
        if len(scope) == 2:
            plans = [p for p in plans if not p.villages or scope[1] in p.villages]
        return plans


def scope_of(rel: str) -> tuple[str, ...] | None:
    """The scope of a feed or calendar from its path, or None for a plan's own calendar."""
    parts = rel.split("/")[:-1]
    if parts[:1] == ["plans"]:
        return None
    return tuple(parts)


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    lines = text.split("\n")
    assert lines[0] == "---", f"{path}: no front matter"
    end = lines.index("---", 1)
    # BaseLoader: every scalar stays the string the author wrote ("yes" is not
    # True, 2026-11-20 is not a date object); the checks parse what they need.
    return yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader) or {}


def _parse_when(value: str, zone: ZoneInfo) -> dt.date | dt.datetime:
    if "T" not in value:
        return dt.date.fromisoformat(value)
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        # A local time that happens twice (clocks going back) is the first of
        # the two, as RFC 5545 §3.3.5 says for DATE-TIME with TZID.
        when = when.replace(tzinfo=zone, fold=0)
    return when.astimezone(UTC)


def load(site_dir: Path) -> Site:
    content = Path(site_dir) / "content"
    site = yaml.load((content / "site.yml").read_text(encoding="utf-8-sig"), Loader=yaml.BaseLoader)
    zone = ZoneInfo(site.get("timezone", "Europe/Tallinn"))
    areas = yaml.load((content / "areas.yml").read_text(encoding="utf-8-sig"), Loader=yaml.BaseLoader)
    municipalities = [
        Municipality(m["id"], m["name"], [Village(v["id"], v["name"]) for v in m.get("villages", [])])
        for m in areas["municipalities"]
    ]
    plans = []
    for path in sorted((content / "plans").rglob("*.md")):
        fm = _front_matter(path)
        pid = path.stem
        timeline = []
        for i, e in enumerate(fm.get("timeline", [])):
            timeline.append(Entry(
                plan_id=pid, index=i, explicit_key=e.get("id"), title=e["title"],
                date=_parse_when(e["date"], zone),
                end=_parse_when(e["end"], zone) if "end" in e else None,
                location=e.get("location"),
            ))
        fb = fm.get("feedback")
        plans.append(Plan(
            id=pid, title=fm["title"], summary=fm.get("summary", ""), municipality=fm["municipality"],
            villages=list(fm.get("villages", [])), status=fm.get("status"),
            draft=fm.get("draft", "false") == "true",
            feedback=(dt.date.fromisoformat(fb["opens"]), dt.date.fromisoformat(fb["closes"])) if fb else None,
            timeline=timeline, location=(fm.get("location") or {}).get("address"),
        ))
    return Site(
        title=site["title"], base_url=site["baseURL"], zone=zone,
        limit=int((site.get("feeds") or {}).get("limit", 50)),
        municipalities=municipalities, plans=plans,
    )


def parse_now(value: str, zone: ZoneInfo) -> dt.datetime:
    when = dt.datetime.fromisoformat(value) if "T" in value else dt.datetime.fromisoformat(value + "T00:00")
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(UTC)


def has_happened(entry: Entry, now: dt.datetime, zone: ZoneInfo) -> bool:
    """'whose date is not after now': a day counts from its start in the site's zone."""
    if entry.timed:
        return entry.date <= now
    return entry.date <= now.astimezone(zone).date()
