"""Regenerate docs/viewer.png: the dialogue viewer over a run, a user-oriented dialogue open with a tool
call expanded, shot in headless Chromium.

    python scripts/viewer_screenshot.py RUN [--output docs/viewer.png] [--index 0]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "viewer.png")
    parser.add_argument("--index", type=int, default=0, help="which listed user-oriented dialogue to open")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("error: no chromium on PATH", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    page_path = Path(tempfile.mkdtemp()) / "viewer.html"
    subprocess.run([sys.executable, "-m", "generation.hub.viewer", str(args.run), "--output", str(page_path)],
                   cwd=ROOT, check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(page_path.as_uri())
        page.select_option("#f-mode", "user_oriented")
        page.locator("#list li").nth(args.index).click()
        page.locator("details.call summary").first.click()
        page.screenshot(path=str(args.output))
        browser.close()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
