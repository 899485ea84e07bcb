"""The artifact check loads a function from its built files only, as Lambda does: a module the
layer lacks fails it, even where the development virtualenv has it; so does a module that would be
compiled from source in every cold start, for want of its bytecode."""

from __future__ import annotations

import py_compile
import sys
from pathlib import Path

from scripts.bytecode import compile_build, uncompiled
from scripts.check_artifact import BuiltFunction, host_template, import_failures

FUNCTION = BuiltFunction("ProbeFunction", "app.lambda_handler", {"GREETING": "hello"})


def _artifact(tmp_path: Path, app: str, modules: dict[str, str]) -> tuple[Path, Path]:
    task_root, layer = tmp_path / "ProbeFunction", tmp_path / "layer" / "python"
    (layer / "shared").mkdir(parents=True)
    task_root.mkdir()
    (task_root / "app.py").write_text(app, encoding="utf-8")
    for name, source in {"__init__.py": "", **modules}.items():
        (layer / "shared" / name).write_text(source, encoding="utf-8")
    compile_build(tmp_path, sys.executable)
    return task_root, layer


def _failures(task_root: Path, layer: Path) -> list[str]:
    return import_failures(sys.executable, task_root, layer, FUNCTION, "us-east-1", "shared")


def test_a_function_whose_imports_are_all_built_loads(tmp_path: Path) -> None:
    task_root, layer = _artifact(
        tmp_path,
        "import os\nfrom shared import rules\n"
        "assert os.environ['GREETING'] == 'hello'\n"
        "def lambda_handler(event, context):\n    return rules.ANSWER\n",
        {"rules.py": "ANSWER = 42\n"},
    )
    assert _failures(task_root, layer) == []


def test_a_dependency_only_the_virtualenv_has_fails_the_handler(tmp_path: Path) -> None:
    task_root, layer = _artifact(
        tmp_path, "import jinja2\ndef lambda_handler(event, context):\n    return None\n", {}
    )
    (failure,) = _failures(task_root, layer)
    assert failure.startswith("app.lambda_handler")
    assert "No module named 'jinja2'" in failure


def test_a_dependency_imported_late_by_the_layer_fails_too(tmp_path: Path) -> None:
    task_root, layer = _artifact(
        tmp_path,
        "def lambda_handler(event, context):\n    return None\n",
        {"pages.py": "import jinja2\n"},
    )
    (failure,) = _failures(task_root, layer)
    assert failure.startswith("shared.pages") and "No module named 'jinja2'" in failure


def test_the_host_copy_of_the_template_builds_for_the_host_architecture() -> None:
    source = "Architectures: [arm64]\nCompatibleArchitectures: [arm64]\nBuildArchitecture: arm64\n"
    assert host_template(source, "x86_64") == (
        "Architectures: [x86_64]\nCompatibleArchitectures: [x86_64]\nBuildArchitecture: x86_64\n"
    )


def test_a_module_changed_after_the_build_compiled_it_fails_as_compiled_at_import(
    tmp_path: Path,
) -> None:
    task_root, layer = _artifact(
        tmp_path,
        "from shared import rules\ndef lambda_handler(event, context):\n    return rules.ANSWER\n",
        {"rules.py": "ANSWER = 42\n"},
    )
    (layer / "shared" / "rules.py").write_text("ANSWER = 43\n", encoding="utf-8")
    assert _failures(task_root, layer) == [
        "1 module(s) compiled from source at import: shared.rules"
    ]
    assert uncompiled(tmp_path, sys.implementation.cache_tag) == []  # its .pyc is there, stale


def test_a_module_without_bytecode_or_with_timestamp_bytecode_is_found_uncompiled(
    tmp_path: Path,
) -> None:
    _, layer = _artifact(
        tmp_path, "def lambda_handler(event, context):\n    return None\n", {"rules.py": ""}
    )
    assert uncompiled(tmp_path, sys.implementation.cache_tag) == []
    late = layer / "shared" / "late.py"
    late.write_text("LATE = True\n", encoding="utf-8")
    rules = layer / "shared" / "rules.py"
    py_compile.compile(str(rules), invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    assert uncompiled(tmp_path, sys.implementation.cache_tag) == [late, rules]
