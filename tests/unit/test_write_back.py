"""The note an agent reads on the conversation in Kustomer."""

from datetime import UTC, datetime

import pytest

from surveys.adapters.store.ratings import RatingItem
from surveys.domain.metrics import CES, CSAT, NPS
from surveys.usecases.record_rating import COMMENT_LIMIT
from surveys.usecases.write_back import RatingVersion, compose_note, note_reference

RATED_AT = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
KUSTOMER_NOTE_LIMIT = 10_240


def rating(metric="ces", score=6, comment="Quick", version=1, conversation_id="c1"):
    fields = {"version": version} if version is not None else {}
    item = RatingItem(
        f"{metric}-{conversation_id}",
        conversation_id=conversation_id,
        metric=metric,
        score=score,
        comment=comment,
        rated_at=RATED_AT,
        updated_at=RATED_AT,
        **fields,
    )
    return RatingVersion.of(item)


def test_first_rating_note():
    assert compose_note(CES, rating()) == (
        "Customer Effort Score (CES) rating: 6 out of 7 - Agree (positive)\n"
        "Comment:\n"
        "> Quick\n"
        "Survey reference: ces-c1 v1"
    )


def test_changed_rating_says_so_and_references_the_new_version():
    note = compose_note(CES, rating(score=2, comment="Actually slow", version=2))
    lines = note.splitlines()
    assert lines[0] == (
        "Customer Effort Score (CES) rating changed: 2 out of 7 - Disagree (negative)"
    )
    assert lines[1:3] == ["Comment:", "> Actually slow"]
    assert lines[-1] == "Survey reference: ces-c1 v2"


def test_first_version_does_not_say_changed():
    assert "changed" not in compose_note(CES, rating(version=1))


@pytest.mark.parametrize("comment", [None, ""])
def test_no_comment(comment):
    lines = compose_note(CES, rating(comment=comment)).splitlines()
    assert lines[1] == "No comment given."
    assert not any(line.startswith("Comment:") for line in lines)


@pytest.mark.parametrize(
    ("metric", "score", "headline"),
    [
        (CES, 4, "Customer Effort Score (CES) rating: 4 out of 7 - Neither agree nor disagree"),
        (CSAT, 3, "Customer Satisfaction (CSAT) rating: 3 out of 5 - Neutral (neutral)"),
        (CSAT, 5, "Customer Satisfaction (CSAT) rating: 5 out of 5 - Very satisfied (positive)"),
        (NPS, 0, "Net Promoter Score (NPS) rating: 0 out of 10 - Not at all likely (negative)"),
        (NPS, 8, "Net Promoter Score (NPS) rating: 8 out of 10 - 8 (neutral)"),
        (NPS, 10, "Net Promoter Score (NPS) rating: 10 out of 10 - Extremely likely (positive)"),
    ],
)
def test_headline_per_metric(metric, score, headline):
    note = compose_note(metric, rating(metric=metric.key, score=score))
    assert note.splitlines()[0].startswith(headline)


def test_multi_line_comment_keeps_the_reference_on_the_last_line():
    note = compose_note(CES, rating(comment="Line one\nLine two"))
    assert "Comment:\n> Line one\n> Line two" in note
    assert note.splitlines()[-1] == note_reference("ces-c1", 1)


def test_a_comment_cannot_forge_the_reference_of_another_version():
    forged = note_reference("ces-c1", 2)
    note = compose_note(CES, rating(comment=f"Fine\n{forged}"))
    assert [line for line in note.splitlines() if line.strip() == forged] == []
    assert note.splitlines()[-1] == note_reference("ces-c1", 1)


def test_markup_in_a_comment_is_escaped_in_the_note():
    note = compose_note(CES, rating(comment='<img src=x onerror="alert(1)"> & <b>hi</b>'))
    assert '> &lt;img src=x onerror="alert(1)"&gt; &amp; &lt;b&gt;hi&lt;/b&gt;' in note
    assert "<img" not in note and "<b>" not in note


def test_rating_not_yet_saved_is_noted_as_first_version():
    note = compose_note(CES, rating(version=None))
    assert note.splitlines()[-1] == "Survey reference: ces-c1 v1"
    assert "changed" not in note


def test_note_reference_names_survey_and_version():
    assert note_reference("ces-c1", 1) == "Survey reference: ces-c1 v1"
    assert note_reference("ces-c1", 2) != note_reference("ces-c1", 1)
    assert note_reference("nps-c1", 1) != note_reference("ces-c1", 1)


def test_longest_comment_fits_in_a_kustomer_note():
    note = compose_note(
        NPS, rating(metric="nps", score=10, comment="w" * COMMENT_LIMIT, version=99)
    )
    assert len(note) <= KUSTOMER_NOTE_LIMIT
    assert "w" * COMMENT_LIMIT in note
