"""Every RSS feed as feedparser (and so most feed readers) reads it."""

import conftest
import kaasa_checks as kc


def test_rss(feed_file, request):
    output, path = feed_file
    limit = conftest.feed_limit(request.config, output)
    problems = kc.rss_problems(path.read_bytes(), output.rel(path), limit)
    assert not problems, f"{output.rel(path)}:\n" + "\n".join(problems)


def test_site_has_feeds(site_output):
    assert (site_output.root / "feed.xml").is_file(), "feed.xml is missing"
    assert (site_output.root / "calendar.ics").is_file(), "calendar.ics is missing"
    plans, _ = kc.load_plans_json(site_output)
    for plan in plans:
        m = plan.get("municipality")
        for rel in (f"plans/{plan.get('id')}/calendar.ics", f"{m}/feed.xml", f"{m}/calendar.ics"):
            assert (site_output.root / rel).is_file(), f"{rel} is missing"
        for v in plan.get("villages") or []:
            for name in ("index.html", "feed.xml", "calendar.ics"):
                rel = f"{m}/{v.get('id')}/{name}"
                assert (site_output.root / rel).is_file(), f"{rel} is missing"


def test_plans_json(site_output):
    problems = kc.plans_json_problems(site_output)
    assert not problems, "\n".join(problems)
