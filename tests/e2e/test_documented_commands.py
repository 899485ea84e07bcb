"""Every `surveys` command line the README, docs/ and `make serve` print, run as printed, on a
terminal, against the runtime `make serve` keeps running: what a new admin copies must work.

The lines are read from README.md, docs/*.md and the running demo's output, never retyped here,
so this fails as soon as the documentation and the tool drift apart. The docs show commands for
a deployed stack (`--stack NAME`) and say that `--local` acts on `make serve` instead: that
one swap is the only change made to a line. Each runs in bash, in a scratch folder where
`.venv/bin` is the repository's, with `surveys` and a stand-in for `pass` on the PATH; the test
answers the prompts a person would (a confirmation, the API key), and after a line that
deactivates a trigger it activates it again, as the lines after it assume.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.demo import SIMULATOR_API_KEY
from tests.documentation import documentation_lines
from tests.e2e.serve import ServeProcess
from tests.terminal import run_in_terminal

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
# `surveys ...`, `.venv/bin/surveys ...`, also after a pipe.
SURVEYS_COMMAND = re.compile(r"(?:^|\|\s*)(?:\.venv/bin/)?surveys\s")
FENCE = re.compile(r"^```(\w*)\s*$")
ANSWERS = {"[y/N] ": "y\n", "(not shown): ": f"{SIMULATOR_API_KEY}\n"}


def readme_command_lines() -> list[str]:
    """Every `surveys` command in the shell blocks of the README and docs/, and every
    `$ surveys` line in their sample output, with `--stack NAME` swapped for `--local`."""
    lines, language = [], None
    for line in documentation_lines():
        fence = FENCE.match(line)
        if fence:
            language = None if language is not None else fence.group(1)
            continue
        if language == "sh" and SURVEYS_COMMAND.search(line.split(" #", 1)[0]):
            lines.append(line)
        elif language == "text" and line.startswith("$ surveys "):
            lines.append(line.removeprefix("$ "))
    return [line.replace("--stack NAME", "--local") for line in lines]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """`make serve`, and the example commands it prints."""
    serve = ServeProcess(tmp_path_factory.mktemp("serve") / "stack.json", scan_interval=60)
    try:
        serve.wait_for_line("Admin commands reach this runtime", 90)
        yield serve
    finally:
        serve.stop()
    assert not serve.stack_file.exists(), "make serve left its file behind"


def suggested_commands(serve: ServeProcess) -> list[str]:
    """The lines `make serve` prints below "Admin commands reach this runtime ...": each
    indented `.venv/bin/surveys ...`."""
    examples = []
    while True:
        line = serve.wait_for_line("", 10)
        if not line.startswith("  .venv/bin/surveys "):
            return examples
        examples.append(line.strip())


@pytest.fixture(scope="module")
def admin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the admin types the commands: the repository's .venv, and `pass` (the password
    manager in docs/admin.md's example) holding the simulator's key."""
    folder = tmp_path_factory.mktemp("admin")
    (folder / ".venv").symlink_to(VENV)
    bin_folder = folder / "bin"
    bin_folder.mkdir()
    password_manager = bin_folder / "pass"
    password_manager.write_text(f"#!/bin/sh\necho {SIMULATOR_API_KEY}\n", encoding="utf-8")
    password_manager.chmod(0o755)
    return folder


def run_as_printed(line: str, serve: ServeProcess, folder: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "PATH": f"{folder / 'bin'}:{VENV / 'bin'}:{os.environ['PATH']}",
        "SURVEYS_LOCAL_FILE": str(serve.stack_file),
    }
    result = run_in_terminal(["bash", "-c", line], cwd=folder, env=env, answers=ANSWERS)
    deactivated = re.search(r"\btrigger deactivate (\w+)", line)
    if deactivated:
        # The lines after it assume the trigger on, as a deployment in use has it.
        again = [str(VENV / "bin" / "surveys"), "--local", "trigger", "activate"]
        again += [deactivated.group(1), "--yes"]
        subprocess.run(again, env=env, capture_output=True, check=True, timeout=120)
    return result


def test_the_readme_shows_commands_to_run() -> None:
    lines = readme_command_lines()

    assert len(lines) >= 20
    assert any("--local trigger show ces" in line for line in lines)
    assert any(line.startswith("pass ") for line in lines)


@pytest.mark.parametrize("line", readme_command_lines())
def test_every_command_line_in_the_readme_works_as_printed(
    line: str, serve: ServeProcess, admin_folder: Path
) -> None:
    code, output = run_as_printed(line, serve, admin_folder)

    assert code == 0, f"$ {line}\n{output}"
    assert "Traceback" not in output
    assert "surveys: error:" not in output
    written = re.search(r"(?:>|--html)\s+(\S+)$", line.split(" #", 1)[0].strip())
    if written:
        assert (admin_folder / written.group(1)).stat().st_size > 0


def test_every_command_make_serve_suggests_works_as_printed(
    serve: ServeProcess, admin_folder: Path
) -> None:
    examples = suggested_commands(serve)

    assert len(examples) >= 3, serve.output
    for line in examples:
        code, output = run_as_printed(line, serve, admin_folder)

        assert code == 0, f"$ {line}\n{output}"
        assert "Traceback" not in output


def test_tab_completion_works_with_the_line_the_readme_gives(admin_folder: Path) -> None:
    [enable] = [line for line in documentation_lines() if "register-python-argcomplete" in line]
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
