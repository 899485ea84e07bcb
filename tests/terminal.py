"""A command run on a pseudo-terminal, as an admin runs it in a terminal window: its standard
input, output and error are the terminal, it is the terminal's foreground job (so a Ctrl-C
typed reaches it as SIGINT, from the terminal driver), and the test types its answers."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

CTRL_C = "\x03"


def _controlling_terminal() -> None:
    # In the child, after start_new_session's setsid(): the terminal on stdin becomes its own.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class TerminalSession:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        answers: Mapping[str, str] | None = None,
        columns: int = 100,
    ) -> None:
        """Start `argv`; whenever its output ends with a key of `answers` (a prompt), the
        value is typed."""
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self._answers = dict(answers or {})
        self._raw = ""
        self._answered_up_to = 0
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        """What the terminal showed so far, with its line ends as a program writes them."""
        with self._changed:
            return self._raw.replace("\r\n", "\n").rstrip("\0")

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # EIO: every process holding the terminal has exited
                chunk = b""
            with self._changed:
                if not chunk:
                    self._raw += "\0"  # end of output
                    self._changed.notify_all()
                    return
                self._raw += chunk.decode("utf-8", "replace")
                self._answer_prompt()
                self._changed.notify_all()

    def _answer_prompt(self) -> None:
        unanswered = self._raw[self._answered_up_to :]
        for prompt, answer in self._answers.items():
            if unanswered.endswith(prompt):
                self._answered_up_to = len(self._raw)
                os.write(self._master, answer.encode())
                return

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait until the terminal has shown `text`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while text not in self._raw.replace("\r\n", "\n"):
                left = deadline - time.monotonic()
                if left <= 0 or self._raw.endswith("\0"):
                    raise AssertionError(f"the terminal never showed {text!r}:\n{self._raw}")
                self._changed.wait(left)

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def wait(self, timeout: float = 120) -> int:
        """The exit code, once the command has ended and its output is read."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        os.close(self._master)
        return code


def run_in_terminal(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    answers: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> tuple[int, str]:
    """Run `argv` to its end on a terminal, answering its prompts; its exit code and output."""
    session = TerminalSession(argv, cwd=cwd, env=env, answers=answers)
    try:
        code = session.wait(timeout)
    except subprocess.TimeoutExpired:
        session.process.kill()
        raise
    return code, session.output
