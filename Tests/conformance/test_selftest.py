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
    "TEXT not escaped": (kc.ical_structure_problems, ICS.replace(b"\\; a\\, b", b"; a, b"), "unescaped"),
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


# ---------------------------------------------------------------- the tricky round trips

import datetime as dt  # noqa: E402
import shutil  # noqa: E402

import site_source as src  # noqa: E402
import test_tricky as tt  # noqa: E402
from selftest import reference_build  # noqa: E402

HERE = Path(__file__).parent
NOW = "2026-11-26T12:00"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tricky site written by the reference writer: once as is, once moved."""
    root = tmp_path_factory.mktemp("reference")
    moved_site = root / "site-moved"
    shutil.copytree(HERE / "sites" / "tricky", moved_site)
    shutil.copytree(HERE / "sites" / "tricky-moved" / "content", moved_site / "content", dirs_exist_ok=True)
    reference_build.build(HERE / "sites" / "tricky", root / "a", NOW)
    reference_build.build(moved_site, root / "moved", NOW)
    site = src.load(HERE / "sites" / "tricky")
    return root, site, src.parse_now(NOW, site.zone)


def _tricky_tests(out: kc.Output, moved: kc.Output, site, now):
    """Every test of test_tricky.py, and the checks every calendar and feed get, on these folders."""
    for path in out.files("*.ics"):
        for check in (kc.ical_byte_problems, kc.icalendar_problems, kc.vobject_problems,
                      kc.libical_problems, kc.ical_structure_problems):
            problems = check(path.read_bytes())
            assert not problems, f"{out.rel(path)}: {problems}"
    for path in out.files("feed.xml"):
        problems = kc.rss_problems(path.read_bytes(), out.rel(path), 10)
        assert not problems, f"{out.rel(path)}: {problems}"
    for rel in [out.rel(p) for p in out.files("feed.xml")]:
        tt.test_rss_round_trip(out, rel, site, now)
    for rel in [out.rel(p) for p in out.files("*.ics")]:
        tt.test_ics_round_trip(out, rel, site)
    for case in tt.DST_CASES:
        tt.test_dst_instants(out, site, *case)
    tt.test_feedback_window_over_new_year(out, site)
    tt.test_cancelled_plan_keeps_future_events(out, site)
    tt.test_long_title_is_folded_not_cut(out, site)
    tt.test_moved_entry_keeps_guid_and_uid(out, moved, site)
    tt.test_pages_show_texts_exactly(out, site)
    tt.test_plans_json_round_trip(out, site)
    tt.test_draft_is_nowhere(out, site)


def test_tricky_checks_pass_on_the_reference(reference):
    root, site, now = reference
    _tricky_tests(kc.Output("a", root / "a"), kc.Output("moved", root / "moved"), site, now)


def _sub(rel, old, new):
    def apply(folder: Path):
        path = folder / rel
        data = path.read_bytes()
        assert old in data, f"mutation {old!r} does not apply to {rel}"
        path.write_bytes(data.replace(old, new))
    return apply


def _drop_last_item(rel):
    def apply(folder: Path):
        path = folder / rel
        data = path.read_bytes()
        start, end = data.rindex(b"<item>"), data.rindex(b"</item>") + len(b"</item>\n")
        path.write_bytes(data[:start] + data[end:])
    return apply


TALLINN = "plans/oismae-tee-ja-valgustus/calendar.ics"
TRICKY_BREAKS = {
    "double-escaped RSS title": (_sub("feed.xml", b"&amp;", b"&amp;amp;"), "title"),
    "RSS link without the base path": (_sub("feed.xml", b"example.ee/vald/plans/", b"example.ee/plans/"), "link"),
    "RSS item missing": (_drop_last_item("teine-vald/feed.xml"), "items"),
    "RSS pubDate an hour off": (_sub("feed.xml", b"25 Oct 2026 10:00:00", b"25 Oct 2026 11:00:00"), "pubDate"),
    "ambiguous local time read as the second": (_sub(TALLINN, b"UID:oismae-tee-ja-valgustus/oine-koosolek@kaasa-test.example.ee\r\nDTSTAMP:20261126T100000Z\r\nDTSTART;TZID=Europe/Tallinn:20261025T033000",
                                                b"UID:oismae-tee-ja-valgustus/oine-koosolek@kaasa-test.example.ee\r\nDTSTAMP:20261126T100000Z\r\nDTSTART:20261025T013000Z"), "00:30"),
    "DST instant wrong": (_sub(TALLINN, b"DTSTART;TZID=Europe/Tallinn:20270328T100000", b"DTSTART;TZID=Europe/Tallinn:20270328T110000"), "07:00"),
    "feedback DTEND inclusive": (_sub(TALLINN, b"DTEND;VALUE=DATE:20270111", b"DTEND;VALUE=DATE:20270110"), "feedback"),
    "LOCATION not escaped": (_sub(TALLINN, b"\\\\ \xf0\x9f\x8f\xa0", b"\\ \xf0\x9f\x8f\xa0"), "LOCATION"),
    "UID without host": (_sub(TALLINN, b"kevadine-arutelu@kaasa-test.example.ee", b"kevadine-arutelu"), "UID"),
    "calendar misses an event": (_sub("kaasa-vald/calendar.ics", b"UID:saare-kula-plats/valmis@", b"UID:saare-kula-plats/muu@"), "valmis"),
    "double-escaped page": (_sub("plans/park-berezka/index.html", b"&amp;", b"&amp;amp;"), "does not show"),
    "draft in plans.json": (_sub("plans.json", b'"id": "saare-kula-plats"', b'"id": "saare-kula-plats", "x": "mustand/"'), "draft"),
    "cancelled status lost": (_sub("plans.json", b'"status": "cancelled"', b'"status": "consultation"'), "status"),
}


@pytest.mark.parametrize("name", TRICKY_BREAKS)
def test_tricky_check_fails(name, reference, tmp_path):
    root, site, now = reference
    mutate, expected = TRICKY_BREAKS[name]
    broken = tmp_path / "a"
    shutil.copytree(root / "a", broken)
    mutate(broken)
    with pytest.raises(AssertionError) as failure:
        _tricky_tests(kc.Output("a", broken), kc.Output("moved", root / "moved"), site, now)
    assert expected in str(failure.value), str(failure.value)


def test_moved_uid_change_fails(reference, tmp_path):
    root, site, now = reference
    moved = tmp_path / "moved"
    shutil.copytree(root / "moved", moved)
    for path in moved.rglob("*.ics"):
        path.write_bytes(path.read_bytes().replace(b"/nihutatav-koosolek@", b"/nihutatav-koosolek-2@"))
    with pytest.raises(AssertionError, match="UIDs changed"):
        tt.test_moved_entry_keeps_guid_and_uid(kc.Output("a", root / "a"), kc.Output("moved", moved), site)


def test_feed_bytes_difference_fails(reference, tmp_path):
    root, _, _ = reference
    again = tmp_path / "again"
    shutil.copytree(root / "a", again)
    path = again / "kaasa-vald" / "calendar.ics"
    path.write_bytes(path.read_bytes().replace(b"DTSTAMP:20261126T100000Z", b"DTSTAMP:20261126T100001Z"))
    with pytest.raises(AssertionError, match="kaasa-vald/calendar.ics"):
        tt.test_feed_bytes_identical_across_builds(kc.Output("a", root / "a"), kc.Output("again", again))


def test_libical_reads_rfc7986_properties():
    """libical 3.0's GLib enum lacks NAME and REFRESH-INTERVAL; the check must not trip on them."""
    data = ICS.replace(b"CALSCALE:GREGORIAN\r\n", b"CALSCALE:GREGORIAN\r\nNAME:N\xc3\xa4idis\r\n"
                       b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\nCOLOR:teal\r\n")
    assert data != ICS
    assert kc.libical_problems(data) == []


def test_screenshot_measures_overflow(tmp_path, browser):
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html lang="et"><head><meta charset="utf-8"><title>x</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body><main><p class="lai">' + "väga" * 100 + '</p></main></body></html>', encoding="utf-8")
    server = kc.LocalServer(tmp_path)
    try:
        sizes = kc.full_page_screenshot(browser, server.base + "index.html", 390, tmp_path / "shot.png")
    finally:
        server.close()
    assert kc.png_size((tmp_path / "shot.png").read_bytes())[0] == 390
    assert sizes["scrollWidth"] > 390 and any("p.lai" in w for w in sizes["tooWide"]), sizes


def test_local_server_mounts_under_base_path(tmp_path):
    import urllib.error
    import urllib.request

    (tmp_path / "index.html").write_text("x")
    server = kc.LocalServer(tmp_path, "/vald/")
    try:
        assert urllib.request.urlopen(server.base + "index.html").read() == b"x"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.base.replace("/vald/", "/") + "index.html")
    finally:
        server.close()
    assert server.missing == ["/index.html"]
