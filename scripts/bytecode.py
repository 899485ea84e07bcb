"""Compile a `sam build` output to bytecode with the Lambda runtime's Python, and find what was
left uncompiled.

Lambda's file system is read-only: a module deployed without its `.pyc` is compiled from source
again in every cold start, and the layer's boto3 and botocore (which shadow the runtime's own,
precompiled ones) are most of the import. `sam build` writes no bytecode, so `make build` and the
artifact check compile it here. The `.pyc` are checked-hash ones: valid whatever the timestamps
the deployment zip keeps, and never used for a source file changed since
(docs.python.org/3/library/compileall.html, PEP 552). The layer's Jinja2 templates are compiled
too (surveys.adapters.templates.compile_templates), so the first page a cold container serves is
not parsed and compiled from its template either.

    python -m scripts.bytecode --python "$(scripts/runtime-python)" .aws-sam/build
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# The flags word of a .pyc header (PEP 552): bit 0 hash-based, bit 1 checked against its source.
_HASH_BASED = 0b01
_CHECK_SOURCE = 0b10


def cache_tag(python: str) -> str:
    """The interpreter's bytecode tag, such as cpython-313: it names the .pyc it reads."""
    return subprocess.run(
        [python, "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def compile_build(build_dir: Path, python: str) -> None:
    """Every module under `build_dir` compiled by `python`, in parallel; raises when one fails."""
    result = subprocess.run(
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "checked-hash",
            str(build_dir),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"compiling {build_dir} with {python} failed:\n{output}")
    compile_templates(build_dir, python)


# Run by the runtime's Python with only a built layer on its path.
_TEMPLATES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from surveys.adapters import templates
print(json.dumps(getattr(templates, sys.argv[2])()))
"""


def _layers_with_templates(build_dir: Path) -> list[Path]:
    return [
        module.parents[2]
        for module in sorted(build_dir.glob("*/python/surveys/adapters/templates.py"))
    ]


def _on_layer(python: str, layer: Path, action: str) -> list[str]:
    result = subprocess.run(
        [python, "-I", "-S", "-B", "-c", _TEMPLATES, str(layer), action],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{action} in {layer} with {python} failed:\n{result.stderr[-3000:]}")
    names: list[str] = json.loads(result.stdout)
    return names


def compile_templates(build_dir: Path, python: str) -> None:
    """Every Jinja2 template of the layers under `build_dir` compiled by `python`."""
    for layer in _layers_with_templates(build_dir):
        _on_layer(python, layer, "compile_templates")


def uncompiled_templates(build_dir: Path, python: str) -> list[str]:
    """Each template of the layers under `build_dir` that `python` would compile at its first
    render: its compiled code is missing or from another source or Python."""
    return [
        f"{layer.relative_to(build_dir)}/surveys/templates/{name}"
        for layer in _layers_with_templates(build_dir)
        for name in _on_layer(python, layer, "uncompiled_templates")
    ]


def uncompiled(build_dir: Path, tag: str) -> list[Path]:
    """Each module under `build_dir` without a checked-hash .pyc for `tag`: it would be compiled
    again in every cold start."""
    missing = []
    for source in sorted(build_dir.rglob("*.py")):
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not compiled.is_file() or not _checked_hash(compiled):
            missing.append(source)
    return missing


def _checked_hash(compiled: Path) -> bool:
    with compiled.open("rb") as header:
        flags = int.from_bytes(header.read(8)[4:8], "little")
    return flags & (_HASH_BASED | _CHECK_SOURCE) == _HASH_BASED | _CHECK_SOURCE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", type=Path, help="what sam build wrote, e.g. .aws-sam/build")
    parser.add_argument("--python", required=True, help="the Lambda runtime's Python")
    arguments = parser.parse_args(argv)
    compile_build(arguments.build_dir, arguments.python)
    tag = cache_tag(arguments.python)
    missing = uncompiled(arguments.build_dir, tag)
    if missing:
        print(f"{len(missing)} module(s) left without bytecode, e.g. {missing[0]}")
        return 1
    templates = uncompiled_templates(arguments.build_dir, arguments.python)
    if templates:
        print(f"{len(templates)} template(s) left uncompiled, e.g. {templates[0]}")
        return 1
    print(f"Compiled {arguments.build_dir} to bytecode for {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
