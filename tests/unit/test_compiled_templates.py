"""The build compiles the pages' and emails' templates into the artifact: a cold container renders
them from that code without compiling, the same text as from source, and a template changed since
is compiled from its new source rather than rendered from stale code."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from surveys.adapters import templates
from surveys.adapters.templates import CompiledTemplates, compile_templates, uncompiled_templates
from surveys.usecases.pages import problem_page


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    directory = tmp_path / "__compiled__"
    compile_templates(directory)
    return directory


def _problem_page(directory: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A page in German with a value to escape, its templates' compiled code read from
    `directory`."""
    monkeypatch.setattr(templates, "COMPILED_TEMPLATES", directory)
    templates._environment.cache_clear()
    try:
        page = problem_page(410, "This survey is closed", "Acme & Co thanks you.", "de")
    finally:
        templates._environment.cache_clear()
    return page.html


def test_every_template_is_compiled_by_the_build(compiled: Path) -> None:
    assert uncompiled_templates(compiled) == []
    assert set(uncompiled_templates(compiled.parent / "nothing")) >= {
        "rating_page.html",
        "survey_email.html",
        "survey_email.txt",
    }


def test_a_compiled_template_renders_without_compiling_the_same_text_as_from_source(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_source = _problem_page(compiled.parent / "nothing", monkeypatch)

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled a template the build had compiled")

    monkeypatch.setattr(Environment, "compile", no_compiling)
    from_build = _problem_page(compiled, monkeypatch)
    assert from_build == from_source
    assert "Acme &amp; Co thanks you." in from_build
    assert 'lang="de"' in from_build


def test_a_template_changed_after_the_build_renders_its_new_source(tmp_path: Path) -> None:
    (tmp_path / "greeting.html").write_text("Hello {{ name }}", encoding="utf-8")
    directory = tmp_path / "__compiled__"

    def environment(writable: bool) -> Environment:
        return Environment(
            loader=FileSystemLoader(tmp_path),
            autoescape=True,
            bytecode_cache=CompiledTemplates(directory, writable=writable),
        )

    assert environment(True).get_template("greeting.html").render(name="Ann") == "Hello Ann"
    (tmp_path / "greeting.html").write_text("Goodbye {{ name }}", encoding="utf-8")
    assert environment(False).get_template("greeting.html").render(name="<Ann>") == (
        "Goodbye &lt;Ann&gt;"
    )


def test_a_read_only_artifact_is_never_written(tmp_path: Path) -> None:
    directory = tmp_path / "__compiled__"
    environment = templates._new_environment(CompiledTemplates(directory))
    environment.get_template("survey_email.txt")
    assert not directory.exists()
