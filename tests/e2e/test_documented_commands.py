"""Every `surveys` command line the README and `make serve` print, run as printed, on a terminal,
against the runtime `make serve` keeps running: what a new admin copies must work.

The lines are read from README.md and from the running demo's output, never retyped here, so
this fails as soon as the documentation and the tool drift apart. The README shows commands for
a deployed stack (`--stack NAME`) and says that `--local` acts on `make serve` instead: that
one swap is the only change made to a line. Each runs in bash, in a scratch folder where
`.venv/bin` is the repository's, with `surveys` and a stand-in for `pass` on the PATH; the test
answers the prompts a person would (a confirmation, the API key).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.stack import Stack
from local.demo import SIMULATOR_API_KEY
from tests.terminal import run_in_terminal

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
# `surveys ...`, `.venv/bin/surveys ...`, also after a pipe.
SURVEYS_COMMAND = re.compile(r"(?:^|\|\s*)(?:\.venv/bin/)?surveys\s")
FENCE = re.compile(r"^```(\w*)\s*$")
ANSWERS = {"[y/N] ": "y\n", "(not shown): ": f"{SIMULATOR_API_KEY}\n"}


def readme_command_lines() -> list[str]:
    """Every `surveys` command in the README's shell blocks, and every `$ surveys` line in its
    sample output, with `--stack NAME` swapped for `--local`."""
    lines, language = [], None
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        fence = FENCE.match(line)
        if fence:
            language = None if language is not None else fence.group(1)
            continue
        if language == "sh" and SURVEYS_COMMAND.search(line.split(" #", 1)[0]):
            lines.append(line)
        elif language == "text" and line.startswith("$ surveys "):
            lines.append(line.removeprefix("$ "))
    return [line.replace("--stack NAME", "--local") for line in lines]


@dataclass
class Serve:
    process: subprocess.Popen[str]
    stack_file: Path
    examples: list[str]
    output: list[str]


def _wait_for(lines: queue.Queue[str], prefix: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            if lines.get(timeout=left).startswith(prefix):
                return
        except queue.Empty:
            break
    raise AssertionError(f"make serve printed no line starting {prefix!r} within {seconds:g}s")


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """`make serve`, with its file moved aside so a developer's own one is left alone."""
    stack_file = tmp_path_factory.mktemp("serve") / "stack.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "local.demo", "--port", "0", "--serve", "--scan-interval", "60"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "SURVEYS_LOCAL_FILE": str(stack_file)},
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    try:
        _wait_for(lines, "Admin commands reach this runtime", 90)
        time.sleep(0.5)
        start = next(i for i, line in enumerate(output) if line.startswith("Admin commands"))
        examples = []
        for line in output[start + 1 :]:
            if not line.startswith("  .venv/bin/surveys "):
                break
            examples.append(line.strip())
        yield Serve(process, stack_file, examples, output)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)
    assert not stack_file.exists(), "make serve left its file behind"


@pytest.fixture(scope="module")
def admin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the admin types the commands: the repository's .venv, and `pass` (the password
    manager in the README's example) holding the simulator's key."""
    folder = tmp_path_factory.mktemp("admin")
    (folder / ".venv").symlink_to(VENV)
    bin_folder = folder / "bin"
    bin_folder.mkdir()
    password_manager = bin_folder / "pass"
    password_manager.write_text(f"#!/bin/sh\necho {SIMULATOR_API_KEY}\n", encoding="utf-8")
    password_manager.chmod(0o755)
    return folder


def ces_trigger_active(stack_file: Path) -> None:
    """The state the README's commands assume: the CES trigger on (an earlier line may have
    deactivated it)."""
    from surveys.usecases.triggers import activate_trigger, trigger_settings

    with Stack.from_local_file(stack_file).as_admin():
        if not trigger_settings("ces").active:
            activate_trigger("ces", datetime.now(UTC))


def run_as_printed(line: str, serve: Serve, folder: Path) -> tuple[int, str]:
    ces_trigger_active(serve.stack_file)
    env = {
        **os.environ,
        "PATH": f"{folder / 'bin'}:{VENV / 'bin'}:{os.environ['PATH']}",
        "SURVEYS_LOCAL_FILE": str(serve.stack_file),
    }
    return run_in_terminal(["bash", "-c", line], cwd=folder, env=env, answers=ANSWERS)


def test_the_readme_shows_commands_to_run() -> None:
    lines = readme_command_lines()

    assert len(lines) >= 20
    assert any("--local trigger show ces" in line for line in lines)
    assert any(line.startswith("pass ") for line in lines)


@pytest.mark.parametrize("line", readme_command_lines())
def test_every_command_line_in_the_readme_works_as_printed(
    line: str, serve: Serve, admin_folder: Path
) -> None:
    code, output = run_as_printed(line, serve, admin_folder)

    assert code == 0, f"$ {line}\n{output}"
    assert "Traceback" not in output
    assert "surveys: error:" not in output
    written = re.search(r"(?:>|--html)\s+(\S+)$", line.split(" #", 1)[0].strip())
    if written:
        assert (admin_folder / written.group(1)).stat().st_size > 0


def test_every_command_make_serve_suggests_works_as_printed(
    serve: Serve, admin_folder: Path
) -> None:
    assert serve.examples, "".join(serve.output)
    for line in serve.examples:
        code, output = run_as_printed(line, serve, admin_folder)

        assert code == 0, f"$ {line}\n{output}"
        assert "Traceback" not in output


def test_tab_completion_works_with_the_line_the_readme_gives(admin_folder: Path) -> None:
    [enable] = [
        line
        for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
        if "register-python-argcomplete" in line
    ]
    # What bash does on TAB after `surveys --local trigger set ces del`.
    script = f"""{enable}
COMP_LINE="surveys --local trigger set ces del"; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=(surveys --local trigger set ces del); COMP_CWORD=5; COMP_TYPE=9
_python_argcomplete surveys del ces
echo "settings: ${{COMPREPLY[*]}}"
COMP_LINE="surveys --local tr"; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=(surveys --local tr); COMP_CWORD=2
_python_argcomplete surveys tr --local
echo "commands: ${{COMPREPLY[*]}}"
"""
    env = {**os.environ, "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=admin_folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "settings: delay_hours=" in result.stdout
    assert "commands: trigger" in result.stdout
