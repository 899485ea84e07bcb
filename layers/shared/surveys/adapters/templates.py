"""Jinja2 templates for the survey email and the pages; everything is autoescaped.

Templates write their texts as `_("English text", name=value)` (Jinja2's i18n extension, new
style: placeholders are filled and escaped by `_` itself), translated from the catalogs of
surveys/domain/i18n.py: one environment per language.

The build compiles every template into the artifact (`compile_templates`, run by
scripts/bytecode.py with the runtime's Python), so a cold container renders its first page or
email without parsing and compiling templates: about 10 ms of a full CPU for the rating page,
nearer 200 ms on a 256 MB Lambda's share. Lambda's file system is read-only, and a template whose
compiled code is missing or from another source is compiled in memory, as during development.
"""

from __future__ import annotations

from functools import cache
from hashlib import sha1
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket

from surveys.domain import i18n

COMPILED_TEMPLATES = Path(__file__).parent.parent / "templates" / "__compiled__"


class CompiledTemplates(BytecodeCache):
    """Jinja2's compiled templates as the build wrote them, read-only unless `writable`. Jinja2
    checks each one against its template's source and Python's version before using it."""

    def __init__(self, directory: Path, *, writable: bool = False) -> None:
        self.directory = directory
        self.writable = writable

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # By name alone: the build's path to a template is not Lambda's (/opt/python/...).
        return sha1(name.encode("utf-8")).hexdigest()

    def _file(self, bucket: Bucket) -> Path:
        return self.directory / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with self._file(bucket).open("rb") as compiled:
                bucket.load_bytecode(compiled)
        except FileNotFoundError:
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        if self.writable:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._file(bucket).open("wb") as compiled:
                bucket.write_bytecode(compiled)


def _new_environment(bytecode_cache: CompiledTemplates) -> Environment:
    return Environment(
        loader=PackageLoader("surveys", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=bytecode_cache,
    )


@cache
def _environment(language: str) -> Environment:
    environment = _new_environment(CompiledTemplates(COMPILED_TEMPLATES))
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(language), newstyle=True
    )
    return environment


def render(template_name: str, language: str = i18n.DEFAULT_LANGUAGE, **context: Any) -> str:
    return _environment(language).get_template(template_name).render(language=language, **context)


def _template_names(environment: Environment) -> list[str]:
    return environment.list_templates(filter_func=lambda name: COMPILED_TEMPLATES.name not in name)


def compile_templates(directory: Path = COMPILED_TEMPLATES) -> list[str]:
    """Compile every template into `directory`, for the build; returns their names."""
    environment = _new_environment(CompiledTemplates(directory, writable=True))
    names = _template_names(environment)
    for name in names:
        environment.get_template(name)
    return names


def uncompiled_templates(directory: Path = COMPILED_TEMPLATES) -> list[str]:
    """The templates a cold container would compile: no compiled code in `directory` for their
    source on this Python."""
    environment = _new_environment(CompiledTemplates(directory))
    assert environment.loader is not None and environment.bytecode_cache is not None
    missing = []
    for name in _template_names(environment):
        source, filename, _ = environment.loader.get_source(environment, name)
        bucket = environment.bytecode_cache.get_bucket(environment, name, filename, source)
        if bucket.code is None:
            missing.append(name)
    return missing
