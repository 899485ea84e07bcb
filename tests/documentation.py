"""The project's documentation as its readers meet it, for the tests that hold it to the tool."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# In the order a new admin reads them: the later lines assume what the earlier ones did.
DOCUMENTS = ["deploy", "admin", "how-it-works", "operations", "privacy", "development"]


def documentation_lines() -> list[str]:
    """The README's lines, then docs/'s, in reading order (the documents not named last)."""
    paths = [REPO / "README.md"] + [REPO / "docs" / f"{name}.md" for name in DOCUMENTS]
    paths += sorted(set((REPO / "docs").glob("*.md")) - set(paths))
    return [line for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
