"""The dialogue viewer in a real headless browser (the system Chromium, driven by Playwright): the
page opens from a file with no server, filters narrow the list, a dialogue opens as a conversation
and a tool call expands to its arguments and result."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_viewer_filters_opens_a_dialogue_and_expands_a_call(demo_run, tmp_path):
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (scripts/test installs the Debian package when it can)")
    from playwright.sync_api import sync_playwright

    page_path = tmp_path / "viewer.html"
    proc = subprocess.run([sys.executable, "-m", "generation.hub.viewer", str(demo_run), "--output", str(page_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (demo_run / "train.jsonl").open()]
    db = rows[0]["environment"]["db_id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.as_uri())
        assert page.inner_text("#count") == f"{len(rows)} of {len(rows)}"
        page.select_option("#f-db", db)
        wanted = sum(r["environment"]["db_id"] == db for r in rows)
        assert page.inner_text("#count") == f"{wanted} of {len(rows)}"
        assert page.locator("#list li").count() == wanted
        page.select_option("#f-outcome", "validated")
        page.locator("#list li").first.click()
        record = next(r for r in rows if r["id"] == page.locator("#list li.on").get_attribute("data-id"))
        first_user = next(m["content"] for m in record["messages"] if m["role"] == "user")
        assert page.locator(".msg.user").first.inner_text() == first_user
        call = next(c for m in record["messages"] for c in m.get("tool_calls") or [])
        page.locator("details.call summary").first.click()
        opened = page.locator("details.call[open] pre").first.inner_text()
        assert json.loads(opened.split("arguments: ")[1].split("\n\nresult:")[0]) == call["function"]["arguments"]
        assert "db_state" in page.inner_text("#side") and record["simulation"]["scenario"] in page.inner_text("#side")
        page.screenshot(path=str(tmp_path / "viewer.png"))
        browser.close()
    assert not errors, errors
    assert (tmp_path / "viewer.png").stat().st_size > 10_000
