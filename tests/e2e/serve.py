"""`make serve` as a separate process: `local.demo --serve`, its output read line by line."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class ServeProcess:
    def __init__(self, stack_file: Path, scan_interval: float) -> None:
        """Start it, with the file it describes its runtime in moved to `stack_file`, so a
        developer's own `make serve` is left alone."""
        self.stack_file = stack_file
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.demo",
                "--port",
                "0",
                "--serve",
                "--scan-interval",
                str(scan_interval),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "SURVEYS_LOCAL_FILE": str(stack_file)},
        )
        self.lines: list[str] = []
        self._unread: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            self._unread.put(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, prefix: str, seconds: float) -> str:
        """The next line starting with `prefix`, skipping the lines before it."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._unread.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r} within {seconds:g}s:\n{self.output}")

    def stop(self) -> int:
        """Ctrl-C, as an admin stops it; its exit code."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code
