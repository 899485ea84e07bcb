"""Nothing personal where it need not be: a full cycle (tests/privacy_cycle.py: surveys sent,
answered with comments, unsubscribed, bounced, complained about, written back, reported,
redriven, a key rotated, two people forgotten) logs, measures and prints no address and no
comment. Masked addresses (`j***@example.com`) are allowed: they tell two apart, nobody's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_no_address_or_comment_in_any_log_line_metric_or_output(tmp_path: Path) -> None:
    seeded_file = tmp_path / "seeded.json"
    environment = {**os.environ, "SURVEYS_LOG_LEVEL": "DEBUG", "POWERTOOLS_LOG_LEVEL": "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.privacy_cycle", str(seeded_file)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    seeded = json.loads(seeded_file.read_text(encoding="utf-8"))
    assert len(seeded["addresses"]) > 20 and len(seeded["comments"]) >= 5

    # What was read: the functions' log lines at DEBUG, their metrics, the commands' output.
    lines = output.splitlines()
    logged = [json.loads(line) for line in lines if line.startswith('{"level"')]
    assert {"Survey sent", "Address unsubscribed", "Address suppressed"} <= {
        line["message"] for line in logged
    }
    assert any('"_aws"' in line and "SurveysSent" in line for line in lines)
    assert "Erased: " in output
    assert re.search(r"\b[a-z]\*\*\*@example\.(com|org|net)\b", output)

    searched = output.lower()
    for address in seeded["addresses"]:
        assert address.lower() not in searched, address
    for comment in seeded["comments"]:
        for spelling in (comment, json.dumps(comment)[1:-1], comment.replace("<", "&lt;")):
            assert spelling.lower() not in searched, comment
