"""The report `make demo` ends with: its numbers recomputed from the answers the demo printed,
and its HTML version opened in a real browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import pytest
from playwright.sync_api import sync_playwright

from tests.documentation import documentation_lines

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output"
# Debian's Chromium, found on the PATH (`make e2e` installs it).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A row of the demo's table: conversation, seeded as, survey status, emails, reminder, answer...
ROW = re.compile(
    r"^[0-9a-f]{24}\s+.+?\s+(?P<status>sent|skipped|-)\s+\d+\s+(?:\d+|-)\s{2}(?P<answer>.+?)\s{2,}"
)


@dataclass(frozen=True)
class DemoRun:
    stdout: str
    outbox: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`make demo` (`--outbox outbox`), run in a folder of its own."""
    folder = tmp_path_factory.mktemp("demo")
    outbox = folder / "outbox"
    result = subprocess.run(
        [sys.executable, "-m", "local.demo", "--port", "0", "--outbox", "outbox"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return DemoRun(result.stdout, outbox)


def _answers(stdout: str) -> tuple[int, list[int]]:
    """Surveys sent, and the final score of each answered one, as the demo's table shows them."""
    sent, scores = 0, []
    for line in stdout.splitlines():
        row = ROW.match(line)
        if row and row["status"] == "sent":
            sent += 1
            score = re.match(r"\d+", row["answer"])
            if score:
                scores.append(int(score.group()))
    return sent, scores


def _report(stdout: str) -> str:
    return stdout.split("$ surveys --local report", 1)[1]


def test_the_command_lines_the_demo_prints_are_documented(demo: DemoRun) -> None:
    """tests/e2e/test_documented_commands.py runs every command line of the README and docs/, so
    these are run as printed too."""
    printed = [line for line in demo.stdout.splitlines() if line.startswith("$ surveys ")]
    documented = documentation_lines()

    assert printed
    assert all(line in documented for line in printed), printed


def test_the_demo_ends_with_a_report_whose_numbers_match_the_answers_given(demo: DemoRun) -> None:
    sent, scores = _answers(demo.stdout)
    report = _report(demo.stdout)
    n = len(scores)

    # 12 surveys at once and 2 three days later, when two more conversations had gone quiet; 8
    # answers, and 1 after its reminder.
    assert sent == 14 and n == 9
    assert f"Score: {mean(scores):.2f}   CES (mean, 1-7)" in report
    positive = 100 * sum(score >= 5 for score in scores) / n
    neutral = 100 * sum(score == 4 for score in scores) / n
    negative = 100 * sum(score <= 3 for score in scores) / n
    assert (
        f"Positive (5-7): {positive:.0f}%   Neutral (4): {neutral:.0f}%   "
        f"Negative (1-3): {negative:.0f}%"
    ) in report
    assert f"n: {n} ratings" in report
    assert f"Response rate: {100 * n / sent:.0f}% ({n} rated of {sent} sent)" in report
    for score in range(1, 8):
        count = scores.count(score)
        assert re.search(rf"^\s+{score}  .+?\s{{2,}}{count}\s+{100 * count / n:.0f}%", report, re.M)
    # One row per program (one per brand): name, sent, rated, response, score, % positive,
    # neutral, negative.
    programs = report.split("By program", 1)[1].strip().split("\n\n", 1)[0].splitlines()[1:]
    assert [line.split()[0] for line in programs] == ["ces", "ces-globex"]
    assert sum(int(line.split()[-7]) for line in programs) == sent
    assert sum(int(line.split()[-6]) for line in programs) == n
    assert demo.stdout.rstrip().splitlines()[-1].startswith("Demo OK")


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_html_report_opens_in_a_browser_with_its_charts_and_agents(demo: DemoRun) -> None:
    report = demo.outbox / "report.html"
    SCREENSHOTS.mkdir(exist_ok=True)
    screenshot = SCREENSHOTS / "report.png"
    fetched: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.on("request", lambda request: fetched.append(request.url))
            page.goto(report.as_uri())
            page.screenshot(path=str(screenshot), full_page=True)
            title = page.title()
            score = page.inner_text("#score")
            n = page.inner_text("#n")
            week_bars = page.locator("#trend rect").count()
            score_bars = page.locator("#distribution rect").count()
            agents = page.locator("#agents tbody tr").all_inner_texts()
            programs = page.locator("#programs tbody tr").all_inner_texts()
            distribution = page.locator("#distribution").bounding_box()
        finally:
            browser.close()

    _, scores = _answers(demo.stdout)
    assert fetched == [report.as_uri()], "the report must load nothing but itself"
    assert title.startswith("Customer Effort Score report")
    assert score == f"{mean(scores):.2f}"
    assert n == str(len(scores))
    assert week_bars >= 5  # every week of the last 30 days
    assert score_bars == 7  # one per score of the CES scale
    assert len(agents) >= 2 and all("%" in row for row in agents)
    assert [row.split()[0] for row in programs] == ["ces", "ces-globex"]
    assert distribution is not None and distribution["width"] >= 700
    width, height = _png_size(screenshot)
    assert width == 1000
    assert 1200 < height < 4000  # four sections, laid out, not one squashed line
    assert screenshot.stat().st_size > 40_000  # charts and text, not a blank page
