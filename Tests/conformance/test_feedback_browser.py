"""A resident sends feedback through the real form in a real browser.

The sample site is built with the real clock (the endpoint decides "open" by the clock too) and a
feedback endpoint on this machine; `kaasa feedback serve` runs against a real SQLite file. Chromium
opens a plan whose window is open, fills the form, submits it, lands on the thank-you page with the
reference, and the row is in the database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

import kaasa_checks as kc

REFERENCE = re.compile(r"^[A-ZÕÄÖÜŠŽ]{1,4}-\d{4}-\d{6}$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_site(request, tmp_path_factory):
    binary = os.environ.get("KAASA_BINARY")
    source = request.config.kaasa_sources.get("et")
    if not binary or source is None:
        if request.config.getoption("require_inputs"):
            pytest.fail("the feedback browser test needs KAASA_BINARY and --source et=SITE")
        pytest.skip("needs KAASA_BINARY and --source et=SITE")
    if request.config.getoption("no_browser"):
        pytest.skip("--no-browser")
    work = tmp_path_factory.mktemp("feedback")
    site = work / "site"
    shutil.copytree(Path(source) / "content", site / "content")
    if (Path(source) / "themes").is_dir():
        shutil.copytree(Path(source) / "themes", site / "themes")
    out = work / "output"
    static = kc.LocalServer(out, "/")
    port = _free_port()
    settings_path = site / "content" / "site.yml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["feedback"] = {"endpoint": f"http://127.0.0.1:{port}/feedback"}
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    subprocess.run([binary, "build", "--site", str(site), "--output", str(out), "--base-url", static.base,
                    "--quiet"], check=True, env=env, timeout=300)
    db = work / "feedback.sqlite"
    server = subprocess.Popen(
        [binary, "feedback", "serve", "--site", str(out), "--db", str(db), "--host", "127.0.0.1",
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("kaasa feedback serve did not start: " + server.stderr.read().decode(errors="replace"))
        time.sleep(0.2)
    yield {"out": out, "db": db, "static": static, "port": port}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    static.close()


def test_resident_sends_feedback_through_the_form(feedback_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    plans = json.loads((feedback_site["out"] / "plans.json").read_text(encoding="utf-8"))
    open_plans = [p for p in plans if (p.get("feedback") or {}).get("state") == "open"]
    if not open_plans:
        pytest.skip("no sample plan takes feedback on today's date")
    plan = open_plans[0]
    browser.get(plan["url"])
    form = browser.find_element(By.CSS_SELECTOR, "form.feedback-form")
    assert form.get_attribute("action") == f"http://127.0.0.1:{feedback_site['port']}/feedback"
    message = "Katusekate võiks olla plekist – see peab kauem vastu. Ööl vastu esmaspäeva sadas läbi. 🌧"
    browser.find_element(By.ID, "fb-message").send_keys(message)
    villages = browser.find_elements(By.ID, "fb-village")
    chosen = None
    if villages:
        select = Select(villages[0])
        if len(select.options) > 1:
            select.select_by_index(1)
            chosen = select.options[1].get_attribute("value")
    browser.find_element(By.ID, "fb-name").send_keys("Mari Maasikas")
    browser.find_element(By.ID, "fb-email").send_keys("mari@example.ee")
    browser.find_element(By.CSS_SELECTOR, "form.feedback-form button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "/thanks/" in d.current_url)
    assert browser.current_url.startswith(feedback_site["static"].base + "thanks/?ref=")
    shown = WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "reference-number").text or None)
    assert REFERENCE.match(shown), shown
    with sqlite3.connect(feedback_site["db"]) as db:
        rows = db.execute("SELECT reference, plan_id, village, message, name, email FROM feedback").fetchall()
    assert len(rows) == 1
    reference, plan_id, village, stored, name, email = rows[0]
    assert reference == shown
    assert plan_id == plan["id"]
    assert stored == message
    assert (name, email) == ("Mari Maasikas", "mari@example.ee")
    if chosen:
        assert village == chosen
