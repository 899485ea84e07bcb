"""Runs a script in a fresh interpreter, as a new Lambda container would run its code, and reads
back what it found: the JSON object on the last line it printed."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_fresh(script: str, arguments: list[str], environment: dict[str, str]) -> dict[str, Any]:
    finished = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    found: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return found
