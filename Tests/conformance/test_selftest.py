"""Each check catches what it is there to catch.

The checks run on selftest/sample, a small hand-made output that passes, and
on copies of its files broken one way at a time: a check that cannot fail
proves nothing. These tests need no build.
"""

from pathlib import Path

import pytest

import kaasa_checks as kc

SAMPLE = Path(__file__).parent / "selftest" / "sample"
FEED = (SAMPLE / "feed.xml").read_bytes()
ICS = (SAMPLE / "calendar.ics").read_bytes()


def test_sample_passes():
    assert kc.rss_problems(FEED, "feed.xml", 50) == []
    for check in (kc.ical_byte_problems, kc.icalendar_problems, kc.vobject_problems,
                  kc.libical_problems, kc.ical_structure_problems):
        assert check(ICS) == [], check.__name__


def _swap_items(feed: bytes) -> bytes:
    head, first, second = feed.split(b"<item>")
    second, tail = second.split(b"</channel>")
    return head + b"<item>" + second + b"<item>" + first.replace(b"</item>\n", b"</item>\n", 1) + b"</channel>" + tail


RSS_BREAKS = {
    "not well-formed": (FEED.replace(b"&amp; &lt;koosolek&gt;", b"& <koosolek>"), "bozo=1"),
    "not RSS 2.0": (FEED.replace(b'version="2.0"', b'version="0.91"'), "not 'rss20'"),
    "no atom self": (FEED.replace(b'rel="self"', b'rel="alternate"'), 'rel="self"'),
    "wrong self href": (FEED.replace(b'plaanid.example.ee/feed.xml', b'plaanid.example.ee/other.xml'), "is not the absolute URL"),
    "relative link": (FEED.replace(b"<link>https://plaanid.example.ee/plans/torma-kool/#idee", b"<link>/plans/torma-kool/#idee"), "not absolute"),
    "no guid": (FEED.replace(b'<guid isPermaLink="false">torma-kool/idee</guid>', b""), "no guid"),
    "guid as permalink": (FEED.replace(b'<guid isPermaLink="false">torma-kool/idee', b"<guid>torma-kool/idee"), "isPermaLink"),
    "bad pubDate": (FEED.replace(b"Wed, 11 Mar 2026 22:00:00 +0000", b"2026-03-11"), "pubDate"),
    "no title": (FEED.replace(b"<title>Torma kooli katus \xe2\x80\x94 Idee</title>", b""), "no title"),
    "oldest first": (_swap_items(FEED), "not newest first"),
    "lastBuildDate": (FEED.replace(b"<lastBuildDate>Fri, 20 Nov 2026 16:00:00", b"<lastBuildDate>Thu, 26 Nov 2026 12:00:00"), "lastBuildDate"),
    "duplicate guid": (FEED.replace(b">torma-kool/idee</guid>", b">torma-kool/arutelu</guid>"), "appears 2 times"),
    "no description": (FEED.replace(b"<description>Plaanide uudised</description>", b""), "<description>"),
}


@pytest.mark.parametrize("name", RSS_BREAKS)
def test_rss_check_fails(name):
    data, expected = RSS_BREAKS[name]
    assert data != FEED, "the mutation did not apply"
    problems = kc.rss_problems(data, "feed.xml", 50)
    assert any(expected in p for p in problems), problems


def test_rss_limit_fails():
    assert any("more than the limit" in p for p in kc.rss_problems(FEED, "feed.xml", 1))


def _refold(ics: bytes, width: int, cut_characters: bool) -> bytes:
    """Unfold, then fold at `width` octets, optionally splitting UTF-8 sequences."""
    out = []
    for line in ics.replace(b"\r\n ", b"").split(b"\r\n")[:-1]:
        parts, cur = [], b""
        for ch in (line if cut_characters else line.decode()):
            b = bytes([ch]) if cut_characters else ch.encode()
            if len(cur) + len(b) > width:
                parts.append(cur)
                cur = b" "
            cur += b
        parts.append(cur)
        out.append(b"\r\n".join(parts))
    return b"\r\n".join(out) + b"\r\n"


ICS_BREAKS = {
    "LF line ends": (kc.ical_byte_problems, ICS.replace(b"\r\n", b"\n"), "CRLF"),
    "lines over 75 octets": (kc.ical_byte_problems, _refold(ICS, 90, False), "more than 75"),
    "folding cuts a character": (kc.ical_byte_problems, _refold(ICS, 75, True), "not valid UTF-8"),
    "byte order mark": (kc.ical_byte_problems, b"\xef\xbb\xbf" + ICS, "byte order mark"),
    "icalendar: broken DTSTART": (kc.icalendar_problems, ICS.replace(b"VALUE=DATE:20260312", b"VALUE=DATE:2026xx12"), "DTSTART"),
    "icalendar: not closed": (kc.icalendar_problems, ICS.replace(b"END:VCALENDAR\r\n", b""), "VCALENDAR"),
    "vobject: no UID": (kc.vobject_problems, ICS.replace(b"UID:torma-kool/idee@plaanid.example.ee\r\n", b""), "UID"),
    "vobject: no DTSTAMP": (kc.vobject_problems, ICS.replace(b"DTSTAMP:20261126T120000Z\r\nDTSTART;VALUE=DATE:20260312", b"DTSTART;VALUE=DATE:20260312"), "DTSTAMP"),
    "libical: broken DTSTART": (kc.libical_problems, ICS.replace(b"VALUE=DATE:20260312", b"VALUE=DATE:2026xx12"), "X-LIC-ERROR"),
    "libical: broken RRULE": (kc.libical_problems, ICS.replace(b"BYDAY=-1SU\r\nEND:DAYLIGHT", b"BYDAY=-1XX\r\nEND:DAYLIGHT"), "RRULE"),
    "libical: no VERSION": (kc.libical_problems, ICS.replace(b"VERSION:2.0\r\n", b""), "VERSION"),
    "duplicate UID": (kc.ical_structure_problems, ICS.replace(b"UID:torma-kool/idee@", b"UID:torma-kool/arutelu@"), "appears 2 times"),
    "floating time": (kc.ical_structure_problems, ICS.replace(b"DTSTART;TZID=Europe/Tallinn:", b"DTSTART:"), "floating"),
    "TZID without VTIMEZONE": (kc.ical_structure_problems, ICS.replace(b"TZID:Europe/Tallinn\r\n", b"TZID:Europe/Riga\r\n"), "no VTIMEZONE"),
    "wrong VTIMEZONE": (kc.ical_structure_problems, ICS.replace(b"TZOFFSETTO:+0200", b"TZOFFSETTO:+0100"), "the zone database"),
    "DTEND before DTSTART": (kc.ical_structure_problems, ICS.replace(b"DTEND;VALUE=DATE:20260313", b"DTEND;VALUE=DATE:20260311"), "not after"),
}


@pytest.mark.parametrize("name", ICS_BREAKS)
def test_calendar_check_fails(name):
    check, data, expected = ICS_BREAKS[name]
    assert data != ICS, "the mutation did not apply"
    problems = check(data)
    assert any(expected in p for p in problems), problems


def test_tree_differences(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "x").mkdir(parents=True)
        (root / "x" / "same.txt").write_text("same")
    (a / "x" / "diff.txt").write_text("1")
    (b / "x" / "diff.txt").write_text("2")
    (a / "only-a").write_text("")
    assert kc.tree_differences(a, b) == ["only in the first build: only-a", "differs: x/diff.txt"]
    assert kc.tree_differences(a / "x" / "..", a) == []


def test_nu_checker_fails(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="et"><head><title>x</title></head>'
                    '<body><p>a<b>b</p><img src="x.png"></body></html>', encoding="utf-8")
    good = SAMPLE / "index.html"
    result = kc.nu_check([page, good])
    assert any("alt" in e for e in kc.nu_errors(result[page])), result[page]
    assert kc.nu_errors(result[good]) == []


def test_axe_fails(tmp_path, browser):
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>'
        '<body><main><p style="color:#bbb;background:#fff">hele</p><img src="x.png"></main></body></html>',
        encoding="utf-8")
    server = kc.LocalServer(tmp_path)
    try:
        _, violations = kc.axe_violations(browser, server.base + "index.html")
    finally:
        server.close()
    assert {"html-has-lang", "image-alt", "color-contrast"} <= {v["id"] for v in violations}, \
        [v["id"] for v in violations]


def test_plans_json_check_fails(tmp_path):
    (tmp_path / "plans.json").write_text('[{"id": "puudub", "title": "x"}]')
    out = kc.Output("t", tmp_path)
    problems = kc.plans_json_problems(out)
    assert any("no 'url'" in p for p in problems) and any("does not exist" in p for p in problems), problems


def test_png_size():
    assert kc.png_size(b"not a png") is None
