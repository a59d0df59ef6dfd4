"""axe-core 4.x in headless Chromium, and screenshots at a phone's and a desktop's width."""

import re

import pytest

import kaasa_checks as kc


def test_axe_wcag21_aa(visited_page, browser, servers, warnings_report):
    output, kind, path = visited_page
    assert (output.root / path).is_file(), f"{kind} page {path} does not exist"
    server = servers(output)
    before = len(server.missing)
    engine, violations = kc.axe_violations(browser, server.base + path)
    assert engine.get("name") == "axe-core" and engine.get("version", "").startswith("4."), engine
    for missing in server.missing[before:]:
        warnings_report.append(f"404 {output.label}:{path} asked for {missing}")
    assert not violations, f"{output.label}:{path}: axe-core {engine.get('version')}:\n" + kc.axe_report(violations)


def test_screenshot(screenshot_page, browser, servers, request):
    output, kind, path, width = screenshot_page
    assert (output.root / path).is_file(), f"{kind} page {path} does not exist"
    folder = kc.Path(request.config.getoption("screenshots"))
    target = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', output.label)}-{kind}-{width}.png"
    sizes = kc.full_page_screenshot(browser, servers(output).base + path, width, target)
    size = kc.png_size(target.read_bytes())
    assert size is not None, f"{target} is not a PNG"
    assert size[0] == width, f"{target}: {size[0]} px wide, wanted {width}"
    assert size[1] >= 100, f"{target}: only {size[1]} px high: is the page empty?"
    # WCAG 2.1 success criterion 1.4.10 (Reflow): no sideways scrolling at a
    # phone's width. axe-core does not test this.
    if width <= 400:
        assert sizes["scrollWidth"] <= width, (
            f"{output.label}:{path} scrolls sideways at {width} px (WCAG 1.4.10 Reflow): the page is "
            f"{sizes['scrollWidth']} px wide; sticking out:\n  " + "\n  ".join(sizes["tooWide"]))
