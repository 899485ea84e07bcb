"""Every survey email as SpamAssassin scores it: Debian's `spamassassin` (`make e2e` installs it)
with its shipped rules, network tests and Bayes off, on the bytes the sender gives SES.

SpamAssassin calls 5.0 spam; a survey must stay far from that, under 2.0, in every language and
for every metric, so that no filter with a stricter threshold or extra rules files it as spam.
The scores are written to test-output/spamassassin-scores.txt."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from surveys.domain.metrics import METRICS
from tests.inbox_checks import LANGUAGES, sent_to_ses

SPAMASSASSIN = shutil.which("spamassassin")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LIMIT = 2.0
# Every metric in every language, and one with the brand colour and a logo (a remote image).
KINDS: list[tuple[str, str, dict[str, str]]] = [
    (metric, language, {}) for metric in sorted(METRICS) for language in LANGUAGES
] + [("ces", "en", {"brand_color": "#7a1fa2", "logo_url": "https://acme.example.com/logo.png"})]
STATUS = re.compile(
    r"^X-Spam-Status: (?:Yes|No), score=(?P<score>-?[0-9.]+) required=\S+"
    r" tests=(?P<rules>.*?) autolearn=",
    re.MULTILINE | re.DOTALL,
)

pytestmark = pytest.mark.skipif(SPAMASSASSIN is None, reason="make e2e installs spamassassin")


@dataclass(frozen=True)
class Score:
    points: float
    rules: tuple[str, ...]


def _name(kind: tuple[str, str, dict[str, str]]) -> str:
    metric, language, settings = kind
    return f"{metric}-{language}" + ("-logo" if settings else "")


def _mbox(messages: list[bytes]) -> bytes:
    """One mbox for one run of SpamAssassin (a run takes a second to load its rules)."""
    return b"".join(
        b"From surveys@acme.example.com Tue Mar  4 09:30:00 2025\n"
        + re.sub(rb"(?m)^From ", b">From ", raw)
        + b"\n"
        for raw in messages
    )


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Score]]:
    assert SPAMASSASSIN is not None
    preferences = tmp_path_factory.mktemp("spamassassin") / "user_prefs"
    preferences.write_text("", encoding="utf-8")
    command = [SPAMASSASSIN, "--local", "--test-mode", "--mbox", "--cf", "use_bayes 0"]
    run = subprocess.run(
        [*command, "--prefspath", str(preferences)],
        input=_mbox([sent_to_ses(metric, language, **s)[0] for metric, language, s in KINDS]),
        capture_output=True,
        check=True,
        timeout=120,
    )
    found = [
        Score(float(match["score"]), tuple(re.split(r"[,\s]+", match["rules"].strip())))
        for match in STATUS.finditer(run.stdout.decode("utf-8", "replace"))
    ]
    assert len(found) == len(KINDS), run.stderr.decode()
    by_name = {_name(kind): score for kind, score in zip(KINDS, found, strict=True)}
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "spamassassin-scores.txt").write_text(
        "".join(
            f"{name:<12} {score.points:5.1f}  {' '.join(score.rules)}\n"
            for name, score in by_name.items()
        ),
        encoding="utf-8",
    )
    yield by_name


@pytest.mark.parametrize("kind", KINDS, ids=[_name(kind) for kind in KINDS])
def test_every_survey_email_scores_well_under_spamassassins_threshold(
    scores: dict[str, Score], kind: tuple[str, str, dict[str, str]]
) -> None:
    score = scores[_name(kind)]

    assert score.points < LIMIT, f"{score.points} points: {', '.join(score.rules)}"
