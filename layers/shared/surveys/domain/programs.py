"""Survey programs: several triggers of one metric, each for its own audience, and which of
them surveys a conversation that several match.

The most specific program wins: one that names the brands, queues or tags it includes beats one
that takes them all (excluding some is not naming an audience). Among equally specific ones the
admin's order decides. The winner is decided from the conversation and the programs' settings
alone, so whichever program's scan reads the conversation first, the same one surveys it.
"""

from __future__ import annotations

from collections.abc import Sequence

from surveys.domain.conversations import Conversation, survey_eligibility
from surveys.domain.scan_window import first_watermark
from surveys.domain.triggers import TriggerSettings

# Programs are read together on every scan (one DynamoDB batch read holds 100 keys).
MOST_PROGRAMS = 50
# The kinds of audience a program can name, as `trigger list` shows them.
AUDIENCE_KINDS = ("brands", "queues", "tags")


def specificity(program: TriggerSettings) -> int:
    """How narrowly the program names its audience: one for each of brands, queues and tags it
    includes by name."""
    return sum(bool(getattr(program, f"include_{kind}")) for kind in AUDIENCE_KINDS)


def audience(program: TriggerSettings) -> str:
    """The audience in a few words: 'brands b1; queues q1, q2', or 'all'."""
    named = [
        f"{kind} {', '.join(getattr(program, f'include_{kind}'))}"
        for kind in AUDIENCE_KINDS
        if getattr(program, f"include_{kind}")
    ]
    excluded = [
        f"not {kind} {', '.join(getattr(program, f'exclude_{kind}'))}"
        for kind in AUDIENCE_KINDS
        if getattr(program, f"exclude_{kind}")
    ]
    return "; ".join(named + excluded) or "all"


def covers(program: TriggerSettings, conversation: Conversation) -> bool:
    """Whether the conversation is in the program's audience (status, channel, brand, queue,
    tags: not its quiet period, which only says when) and recent enough for the program's scan
    to read it: a program activated after the conversation went quiet (past its backfill)
    never does."""
    if not program.active or program.activated_at is None:
        return False
    if conversation.updated_at < first_watermark(
        program.activated_at, program.delay, program.backfill
    ):
        return False
    # Asked as of the end of the conversation's quiet period, which then does not count.
    quiet_ends = conversation.updated_at + program.delay
    return survey_eligibility(conversation, quiet_ends, program.rules).eligible


def winning_program(
    conversation: Conversation, programs: Sequence[TriggerSettings]
) -> TriggerSettings | None:
    """The program that surveys the conversation among `programs` (one metric's, in the
    admin's order), or None when none covers it."""
    candidates = [
        (specificity(program), -position, program)
        for position, program in enumerate(programs)
        if covers(program, conversation)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda candidate: candidate[:2])[2]


def ordered(programs: Sequence[TriggerSettings], order: Sequence[str]) -> list[TriggerSettings]:
    """The programs in the admin's order; any the order does not name last, by name."""
    position = {name: index for index, name in enumerate(order)}
    return sorted(
        programs, key=lambda program: (position.get(program.name, len(order)), program.name)
    )
