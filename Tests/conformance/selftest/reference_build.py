"""A minimal, independent writer of the parts of a built site that the tricky
round-trip checks read: plans.json, bare pages with the texts, feed.xml and
calendar.ics in every scope.

It exists so that test_tricky.py can be run, in the self-test, against an
output known to follow the content format (the checks must pass) and against
copies of it broken on purpose (the checks must fail). It is not the build.

    python selftest/reference_build.py SITE OUTPUT NOW
"""

from __future__ import annotations

import datetime as dt
import html
import json
import sys
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import site_source as src  # noqa: E402

UTC = dt.timezone.utc
RU = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
              "a b v g d e jo z z i i k l m n o p r s t u f h ts ts s sts _ o _ e ju ja".split()))


def slug(text: str) -> str:
    out, dash = "", False
    for ch in text.lower():
        ch = RU.get(ch, ch).replace("_", "")
        ch = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if ch and ch.isalnum():
            out += ("-" if dash and out else "") + ch
            dash = False
        else:
            dash = True
    return out


def keys(plan: src.Plan) -> list[str]:
    out, seen = [], {}
    for e in plan.timeline:
        base = e.explicit_key or slug(e.title)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def rfc822(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def day_instant(site, day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=site.zone).astimezone(UTC)


def instant(site, e: src.Entry) -> dt.datetime:
    return e.date if e.timed else day_instant(site, e.date)


def page(title: str, texts: list[str], ids: list[str] = ()) -> str:
    body = "".join(f"<p>{html.escape(t)}</p>\n" for t in texts)
    body += "".join(f'<p id="{html.escape(i)}">#</p>\n' for i in ids)
    return (f'<!DOCTYPE html>\n<html lang="et">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<main>\n<h1>{html.escape(title)}</h1>\n"
            f"{body}</main>\n</body>\n</html>\n")


def rss(site, rel, title, plans, now) -> str:
    items = []
    for p in plans:
        for e, k in zip(p.timeline, keys(p)):
            if src.has_happened(e, now, site.zone):
                items.append((instant(site, e), p, e, k))
    items.sort(key=lambda t: (t[0], t[1].id, t[3]), reverse=True)
    items = items[: site.limit]
    last = f"<lastBuildDate>{rfc822(items[0][0])}</lastBuildDate>\n" if items else ""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n',
           f"<title>{xml_escape(title)}</title>\n<link>{site.base_url}</link>\n<description>{xml_escape(title)}</description>\n",
           last, f'<atom:link href="{site.base_url}{rel}" rel="self" type="application/rss+xml"/>\n']
    for when, p, e, k in items:
        out.append(f"<item>\n<title>{xml_escape(p.title + ' — ' + e.title)}</title>\n"
                   f"<link>{site.base_url}plans/{p.id}/#{k}</link>\n"
                   f'<guid isPermaLink="false">{p.id}/{k}</guid>\n<pubDate>{rfc822(when)}</pubDate>\n</item>\n')
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def ical_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> bytes:
    parts, cur, limit = [], b"", 75
    for ch in line:
        b = ch.encode()
        if len(cur) + len(b) > limit:
            parts.append(cur)
            cur = b" "
        cur += b
    parts.append(cur)
    return b"\r\n".join(parts) + b"\r\n"


VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Tallinn
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:EEST
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:EET
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""".split("\n")


def ics(site, plans, now) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kaasa conformance//reference//ET"] + VTIMEZONE
    stamp = now.strftime("%Y%m%dT%H%M%SZ")

    def when(name, value):
        if isinstance(value, dt.datetime):
            local = value.astimezone(site.zone)
            return f"{name};TZID=Europe/Tallinn:{local:%Y%m%dT%H%M%S}"
        return f"{name};VALUE=DATE:{value:%Y%m%d}"

    for p in plans:
        for e, k in zip(p.timeline, keys(p)):
            lines += ["BEGIN:VEVENT", f"UID:{p.id}/{k}@{site.host}", f"DTSTAMP:{stamp}", when("DTSTART", e.date)]
            end = e.end or (None if e.timed else e.date + dt.timedelta(days=1))
            if end is not None:
                lines.append(when("DTEND", end))
            marker = "Loobutud: " if p.status == "cancelled" else ""
            lines.append(f"SUMMARY:{ical_text(marker + e.title)}")
            if e.location:
                lines.append(f"LOCATION:{ical_text(e.location)}")
            lines.append("END:VEVENT")
        if p.feedback:
            opens, closes = p.feedback
            lines += ["BEGIN:VEVENT", f"UID:{p.id}/feedback@{site.host}", f"DTSTAMP:{stamp}",
                      when("DTSTART", opens), when("DTEND", closes + dt.timedelta(days=1)),
                      f"SUMMARY:{ical_text('Tagasiside: ' + p.title)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def build(site_dir: Path, out: Path, now_text: str):
    site = src.load(site_dir)
    now = src.parse_now(now_text, site.zone)

    def write(rel, data):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    write("index.html", page(site.title, [p.title for p in site.published]))
    plans_json = []
    for p in site.published:
        m = site.municipality(p.municipality)
        texts = [p.summary] + [e.title for e in p.timeline] + [e.location for e in p.timeline if e.location]
        write(f"plans/{p.id}/index.html", page(p.title, texts + ([p.location] if p.location else []), keys(p)))
        write(f"plans/{p.id}/calendar.ics", ics(site, [p], now))
        plans_json.append({
            "id": p.id, "title": p.title, "url": f"{site.base_url}plans/{p.id}/", "municipality": m.id,
            "municipalityName": m.name, "villages": [{"id": v.id, "name": v.name} for v in m.villages if v.id in p.villages],
            "status": p.status or "derived", "feedback": {"opens": p.feedback[0].isoformat(), "closes": p.feedback[1].isoformat()} if p.feedback else None,
        })
    write("plans.json", json.dumps(plans_json, ensure_ascii=False, indent=1))
    write("feed.xml", rss(site, "feed.xml", site.title, site.published, now))
    write("calendar.ics", ics(site, site.published, now))
    for m in site.municipalities:
        scope_plans = site.plans_in_scope((m.id,))
        write(f"{m.id}/index.html", page(m.name, [p.title for p in scope_plans]))
        write(f"{m.id}/feed.xml", rss(site, f"{m.id}/feed.xml", m.name, scope_plans, now))
        write(f"{m.id}/calendar.ics", ics(site, scope_plans, now))
        for v in m.villages:
            scope_plans = site.plans_in_scope((m.id, v.id))
            write(f"{m.id}/{v.id}/index.html", page(v.name, [p.title for p in scope_plans]))
            write(f"{m.id}/{v.id}/feed.xml", rss(site, f"{m.id}/{v.id}/feed.xml", v.name, scope_plans, now))
            write(f"{m.id}/{v.id}/calendar.ics", ics(site, scope_plans, now))


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
