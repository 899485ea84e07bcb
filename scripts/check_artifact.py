"""Import every function from what `sam build` produces, as Lambda would load it.

`sam build` builds the layer for the template's architecture (arm64), whose compiled wheels
cannot load on another machine; so this builds a copy of the template for this machine's
architecture, from the same sources and requirements, and then, for each function, starts the
runtime's Python in isolated mode with only the built function and the built layer on its path
(no virtualenv, no site-packages, no PYTHONPATH) and with the environment the template gives
that function. It imports the handler and every module of the shared layer, so a dependency
missing from layers/shared/requirements.txt fails here, not in Lambda. As on Lambda's read-only
file system it writes no bytecode, and it fails on a module the build left without its `.pyc`
(scripts/bytecode.py), or whose `.pyc` is not of its source: each would be compiled again in
every cold start.

    python -m scripts.check_artifact --python "$(scripts/runtime-python)"
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.runtime.template import REPO_ROOT, LocalNames, TemplateResolver, load_template
from scripts.bytecode import cache_tag, compile_build, uncompiled, uncompiled_templates

HOST_BUILD = REPO_ROOT / ".aws-sam" / "host"
LAYER_PACKAGE = "surveys"

# Run inside the built artifact by the runtime's Python, with `python -I -S`: the standard
# library only, then exactly the paths Lambda gives a function (its code, then /opt/python).
_IMPORT_PROBE = """
import importlib, importlib.util, json, pkgutil, sys, traceback
task_root, layer, handler, package = sys.argv[1:5]
sys.path[:0] = [task_root, layer]
failures = []
module_name, attribute = handler.rsplit(".", 1)
try:
    if not callable(getattr(importlib.import_module(module_name), attribute)):
        failures.append(f"{handler} is not callable")
except Exception:
    failures.append(f"{handler}:\\n{traceback.format_exc()}")
root = importlib.import_module(package)
for found in pkgutil.walk_packages(root.__path__, prefix=package + "."):
    try:
        importlib.import_module(found.name)
    except Exception:
        failures.append(f"{found.name}:\\n{traceback.format_exc()}")
outside = sorted(
    {getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
    - {""}
)
leaks = [f for f in outside if "site-packages" in f and not f.startswith((task_root, layer))]
if leaks:
    failures.append("imported from outside the artifact: " + ", ".join(leaks[:5]))
from_source = []
for module in list(sys.modules.values()):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) or ""
    if not origin.endswith(".py") or not origin.startswith((task_root, layer)):
        continue
    with open(origin, "rb") as source:
        source_hash = importlib.util.source_hash(source.read())
    try:
        with open(spec.cached, "rb") as compiled:
            header = compiled.read(16)
    except OSError:
        header = b""
    if header[8:16] != source_hash:
        from_source.append(spec.name)
if from_source:
    failures.append(
        f"{len(from_source)} module(s) compiled from source at import: "
        + ", ".join(sorted(from_source)[:5])
    )
print(json.dumps(failures))
"""


@dataclass(frozen=True)
class BuiltFunction:
    logical_id: str
    handler: str
    environment: dict[str, str]


class _PlaceholderAttributes(dict[tuple[str, str], str]):
    """A deployed stack's ARNs, which an import never calls: shaped right, pointing nowhere."""

    def __missing__(self, key: tuple[str, str]) -> str:
        resource, attribute = key
        return f"arn:aws:artifact-check:us-east-1:123456789012:{resource}/{attribute}"


def host_architecture() -> str:
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def host_template(source: str, architecture: str) -> str:
    """The template with every architecture setting changed to this machine's."""
    return re.sub(r"\barm64\b|\bx86_64\b", architecture, source)


def build_for_host(architecture: str, python: str) -> Path:
    HOST_BUILD.mkdir(parents=True, exist_ok=True)
    template = HOST_BUILD / "template.yaml"
    template.write_text(
        host_template((REPO_ROOT / "template.yaml").read_text(encoding="utf-8"), architecture),
        encoding="utf-8",
    )
    build_dir = HOST_BUILD / "build"
    # sam build looks for python3.13 on the PATH.
    environment = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [
            str(Path(sys.executable).parent / "sam"),
            "build",
            "--template",
            str(template),
            "--base-dir",
            str(REPO_ROOT),
            "--build-dir",
            str(build_dir),
        ],
        check=True,
        env=environment,
        cwd=REPO_ROOT,
    )
    compile_build(build_dir, python)
    return build_dir


def built_functions(template: dict[str, Any], region: str) -> Iterator[BuiltFunction]:
    resolver = TemplateResolver(
        template,
        {},
        LocalNames(attributes=_PlaceholderAttributes()),
        {
            "AWS::Region": region,
            "AWS::AccountId": "123456789012",
            "AWS::StackName": "artifact-check",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        },
    )
    parameters = {
        name: spec.get("Default", _sample_value(spec))
        for name, spec in template.get("Parameters", {}).items()
    }
    resolver.parameters = resolver.parameter_values(parameters)
    for logical_id in template["Resources"]:
        resolver.names.refs.setdefault(logical_id, f"artifact-check-{logical_id}")
    shared = template.get("Globals", {}).get("Function", {})
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        variables = {
            **shared.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        yield BuiltFunction(
            logical_id,
            properties.get("Handler", shared.get("Handler", "")),
            {name: str(value) for name, value in resolver.resolve(variables).items()},
        )


def _sample_value(spec: dict[str, Any]) -> str:
    """A value a deployer could give a parameter without a default."""
    if "AllowedValues" in spec:
        return str(spec["AllowedValues"][0])
    pattern = spec.get("AllowedPattern", "")
    return "surveys@example.com" if "@" in pattern else "example.kustomerapp.com"


def lambda_environment(function: BuiltFunction, task_root: Path, region: str) -> dict[str, str]:
    """What Lambda sets for every function, then what the template sets for this one."""
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": f"artifact-check-{function.logical_id}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": function.handler,
        "AWS_ACCESS_KEY_ID": "artifact-check",
        "AWS_SECRET_ACCESS_KEY": "artifact-check",
        "AWS_SESSION_TOKEN": "artifact-check",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        **function.environment,
    }


def import_failures(
    python: str,
    task_root: Path,
    layer: Path,
    function: BuiltFunction,
    region: str,
    package: str = LAYER_PACKAGE,
) -> list[str]:
    result = subprocess.run(
        [
            python,
            "-I",
            "-S",
            "-B",
            "-c",
            _IMPORT_PROBE,
            str(task_root),
            str(layer),
            function.handler,
            package,
        ],
        capture_output=True,
        text=True,
        env=lambda_environment(function, task_root, region),
        cwd=task_root,
        timeout=300,
    )
    if result.returncode != 0 or not result.stdout.strip():
        return [f"the import probe exited {result.returncode}:\n{result.stderr[-3000:]}"]
    failures: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return failures


def check(build_dir: Path, python: str, region: str) -> int:
    template = load_template(REPO_ROOT / "template.yaml")
    layer = build_dir / "SharedLayer" / "python"
    failed = 0
    missing = uncompiled(build_dir, cache_tag(python))
    if missing:
        failed += 1
        print(f"FAILED {len(missing)} module(s) without bytecode, e.g. {missing[0]}")
    templates = uncompiled_templates(build_dir, python)
    if templates:
        failed += 1
        print(f"FAILED {len(templates)} template(s) compiled at first render: {templates}")
    for function in built_functions(template, region):
        failures = import_failures(python, build_dir / function.logical_id, layer, function, region)
        if failures:
            failed += 1
            print(f"FAILED {function.logical_id} ({function.handler}):")
            for failure in failures:
                print("  " + failure.replace("\n", "\n  "))
        else:
            print(
                f"ok     {function.logical_id}: {function.handler} and the {LAYER_PACKAGE} package"
            )
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", required=True, help="the Lambda runtime's Python")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--build-dir",
        type=Path,
        help="check this build instead of building the template for this machine first",
    )
    arguments = parser.parse_args(argv)
    architecture = host_architecture()
    build_dir = (arguments.build_dir or build_for_host(architecture, arguments.python)).resolve()
    print(f"Importing every function from {build_dir} on {arguments.python} ({architecture})")
    failed = check(build_dir, arguments.python, arguments.region)
    if failed:
        print(f"The built artifact fails {failed} check(s): see FAILED above")
        return 1
    print("Every function loads from the built artifact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
