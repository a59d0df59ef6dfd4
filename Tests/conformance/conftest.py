"""Options and shared fixtures of the conformance suite.

The suite checks folders that `kaasa build` wrote; it never builds. run.sh
builds and passes the folders; by hand:

    python -m pytest Tests/conformance --output et=build-et --output en=build-en

or KAASA_OUTPUT=build-et:build-en. With --require-inputs (run.sh sets it), a
check whose input is missing fails instead of being skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import kaasa_checks as kc

HERE = Path(__file__).resolve().parent


def pytest_addoption(parser):
    g = parser.getgroup("kaasa conformance")
    g.addoption("--output", action="append", default=[], metavar="[LABEL=]DIR",
                help="a built site to check (repeat for several; env KAASA_OUTPUT, ':'-separated)")
    g.addoption("--source", action="append", default=[], metavar="LABEL=SITE",
                help="the site folder an output was built from (its content/site.yml gives feeds.limit)")
    g.addoption("--tricky", metavar="DIR", help="build of sites/tricky")
    g.addoption("--tricky-again", metavar="DIR", help="second build of sites/tricky with the same --now")
    g.addoption("--tricky-moved", metavar="DIR", help="build of sites/tricky with sites/tricky-moved laid over it")
    g.addoption("--tricky-site", metavar="SITE", default=str(HERE / "sites" / "tricky"))
    g.addoption("--tricky-moved-site", metavar="SITE", default=str(HERE / "sites" / "tricky-moved"))
    g.addoption("--now", default="2026-11-26T12:00", help="the --now the tricky site was built with")
    g.addoption("--twin", action="append", default=[], metavar="DIR_A,DIR_B",
                help="two builds of the same input and --now that must be byte-identical")
    g.addoption("--screenshots", metavar="DIR", default=str(HERE / ".screenshots"))
    g.addoption("--no-browser", action="store_true", help="skip axe-core and screenshots")
    g.addoption("--require-inputs", action="store_true", help="fail, rather than skip, when an input is missing")
    g.addoption("--counts-file", metavar="FILE", help="write {passed, failed, skipped} here at the end")


def _outputs(config) -> list[kc.Output]:
    values = list(config.getoption("output"))
    env = os.environ.get("KAASA_OUTPUT")
    if not values and env:
        values = [v for v in env.split(os.pathsep) if v]
    return [kc.parse_output_arg(v) for v in values]


def _sources(config) -> dict[str, Path]:
    out = {}
    for value in config.getoption("source"):
        label, _, folder = value.partition("=")
        out[label] = Path(folder)
    return out


def pytest_configure(config):
    config.kaasa_outputs = _outputs(config)
    config.kaasa_sources = _sources(config)
    config.kaasa_warnings = []


def pytest_generate_tests(metafunc):
    """Parametrize over outputs and the files in them, so each failure names its file."""
    outputs = metafunc.config.kaasa_outputs
    names = metafunc.fixturenames
    if "html_file" in names:
        params = [(o, p) for o in outputs for p in o.files("*.html")]
        metafunc.parametrize("html_file", params, ids=[f"{o.label}:{o.rel(p)}" for o, p in params])
    if "feed_file" in names:
        params = [(o, p) for o in outputs for p in kc.feed_files(o)]
        metafunc.parametrize("feed_file", params, ids=[f"{o.label}:{o.rel(p)}" for o, p in params])
    if "calendar_file" in names:
        params = [(o, p) for o in outputs for p in kc.calendar_files(o)]
        metafunc.parametrize("calendar_file", params, ids=[f"{o.label}:{o.rel(p)}" for o, p in params])
    if "site_output" in names:
        metafunc.parametrize("site_output", outputs, ids=[o.label for o in outputs])
    if "visited_page" in names:
        params = [(o, kind, path) for o in outputs for kind, path in kc.pages_to_visit(o).items()]
        metafunc.parametrize("visited_page", params, ids=[f"{o.label}:{k}" for o, k, _ in params])
    if "screenshot_page" in names:
        params = []
        for o in outputs:
            pages = kc.pages_to_visit(o)
            for kind in ("home", "plan"):
                if kind in pages:
                    params += [(o, kind, pages[kind], w) for w in (390, 1280)]
        metafunc.parametrize("screenshot_page", params, ids=[f"{o.label}:{k}:{w}" for o, k, _, w in params])
    if "twin" in names:
        pairs = [tuple(v.split(",", 1)) for v in metafunc.config.getoption("twin")]
        metafunc.parametrize("twin", pairs, ids=[f"{Path(a).name}={Path(b).name}" for a, b in pairs])


def need(config, condition: bool, what: str):
    """Skip when an input is missing, or fail with --require-inputs."""
    if condition:
        return
    if config.getoption("require_inputs"):
        pytest.fail(f"missing input: {what}")
    pytest.skip(f"missing input: {what}")


def pytest_collection_modifyitems(config, items):
    if config.getoption("require_inputs") and not config.kaasa_outputs:
        raise pytest.UsageError("--require-inputs needs at least one --output")


@pytest.fixture(scope="session")
def warnings_report(request):
    """Findings that are reported but do not fail a test (Nu warnings, say)."""
    return request.config.kaasa_warnings


def site_settings(config, output: kc.Output) -> dict:
    """content/site.yml of the site the output was built from ({} if not given)."""
    site = config.kaasa_sources.get(output.label)
    if site is None:
        return {}
    import yaml

    return yaml.safe_load((site / "content" / "site.yml").read_text(encoding="utf-8-sig")) or {}


def feed_limit(config, output: kc.Output) -> int:
    return int((site_settings(config, output).get("feeds") or {}).get("limit", 50))


@pytest.fixture(scope="session")
def browser(request):
    if request.config.getoption("no_browser"):
        pytest.skip("--no-browser")
    driver = kc.chromium_driver()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def servers(request):
    """One local http server per output folder, started on first use, serving
    the output under the path of the site's baseURL."""
    from urllib.parse import urlparse

    started: dict[Path, kc.LocalServer] = {}

    def get(output: kc.Output) -> kc.LocalServer:
        if output.root not in started:
            base = site_settings(request.config, output).get("baseURL") or "/"
            started[output.root] = kc.LocalServer(output.root, urlparse(base).path or "/")
        return started[output.root]

    yield get
    for server in started.values():
        server.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.kaasa_warnings:
        terminalreporter.section("reported, not failing")
        for line in config.kaasa_warnings:
            terminalreporter.write_line(line)
    counts_file = config.getoption("counts_file")
    if counts_file:
        stats = terminalreporter.stats
        counts = {
            "passed": len(stats.get("passed", [])),
            "failed": len(stats.get("failed", [])) + len(stats.get("error", [])),
            "skipped": len(stats.get("skipped", [])),
        }
        Path(counts_file).write_text(json.dumps(counts))
