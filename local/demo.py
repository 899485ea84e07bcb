"""`make demo`: the whole survey pipeline, locally, on moto and the Kustomer simulator.

One cycle by default, with two survey programs of the metric, one per brand: scan, send (each
brand's customers get their brand's email), let simulated recipients answer some surveys (one
with a low score and its reasons), write the answers back to Kustomer, scan again to show
nothing is sent twice, then three days later remind those who did not answer, print a summary
and check it. With --serve it keeps running until Ctrl-C, and you answer the surveys yourself.
"""

from __future__ import annotations

import argparse
import getpass
import os
import random
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cli.stack import local_stack_file
from local.kustomer_sim import (
    BASE_CONTRACTS,
    DEFAULT_CONTRACT,
    MODES,
    KustomerSimulator,
    SeedSummary,
    contract_for,
)
from local.recipient import answer, scan_like_a_security_gateway
from local.runtime.runtime import LocalRuntime, RuntimeOptions, SentEmail

if TYPE_CHECKING:
    from surveys.domain.triggers import TriggerSettings

SIMULATOR_API_KEY = "local-simulator-key"
DEMO_PARAMETERS = {
    "SenderAddress": "surveys@acme.example.com",
    "SenderName": "Acme Support",
    "CompanyName": "Acme",
    # The seeded history is up to ten days old: survey it, as a backfill would on activation.
    "BackfillHours": "720",
    # Every negative answer is mailed here (into the outbox locally).
    "AlertEmail": "support-leads@acme.example.com",
}
# In the outbox: the functions' log lines at the template's LogLevel, as CloudWatch holds them.
FUNCTION_LOG = "functions.log"
NEGATIVE_TAG = "survey-negative"
# The second brand's program: its own sender, company and colour.
SECOND_BRAND: dict[str, Any] = {
    "sender_name": "Globex Care",
    "company_name": "Globex",
    "brand_color": "#0b6e4f",
}
LOW_SCORE_REASONS = ("too_long", "repeated")
COMMENTS = [
    "Quick answer, thank you!",
    "Took three emails to get there.",
    "Great help from Maya <3",
    "",
]


def _behaviours_help() -> str:
    default = next(
        (name for name, (contract, _) in BASE_CONTRACTS.items() if contract == DEFAULT_CONTRACT),
        "custom",
    )

    def rows(entries: list[tuple[str, str]]) -> str:
        return "\n".join(
            textwrap.fill(
                summary,
                100,
                break_on_hyphens=False,
                initial_indent=f"  {name:<22}",
                subsequent_indent=" " * 24,
            )
            for name, summary in entries
        )

    return (
        "--kustomer-behaves MODE, repeatable, starts the simulator with at most one base contract\n"
        f"and any modes on top of it; without a base, the modes change the default ({default}).\n"
        "base contracts:\n"
        + rows([(name, summary) for name, (_, summary) in BASE_CONTRACTS.items()])
        + "\nmodes:\n"
        + rows([(mode.name, mode.summary) for mode in MODES.values()])
    )


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make demo",
        description=__doc__.split("\n\n")[0],
        epilog=_behaviours_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--kustomer-url", help="a Kustomer-compatible API root instead of the built-in simulator"
    )
    parser.add_argument(
        "--api-key", help="API key for --kustomer-url (else $KUSTOMER_API_KEY, else a prompt)"
    )
    parser.add_argument(
        "--outbox", type=Path, help="write every email sent as an .eml file in this folder"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help=f"print the functions' JSON log lines here instead of into OUTBOX/{FUNCTION_LOG}",
    )
    parser.add_argument(
        "--port", type=int, default=8642, help="port of the rating pages (0 = any free port)"
    )
    parser.add_argument(
        "--serve", action="store_true", help="keep scanning and delivering until Ctrl-C"
    )
    parser.add_argument(
        "--scan-interval", type=float, default=5.0, help="seconds between scans with --serve"
    )
    parser.add_argument(
        "--no-simulated-clicks", action="store_true", help="nobody answers the surveys"
    )
    parser.add_argument(
        "--metric", choices=("ces", "csat", "nps"), default="ces", help="the trigger to activate"
    )
    parser.add_argument("--eligible", type=int, default=12, help="eligible conversations to seed")
    parser.add_argument(
        "--kustomer-behaves",
        action="append",
        default=[],
        choices=[*BASE_CONTRACTS, *MODES],
        metavar="MODE",
        help="how the simulated Kustomer behaves where its documentation allows a client to go "
        "wrong; repeatable, MODEs below",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template.yaml parameter, e.g. --param QuietHours=24",
    )
    arguments = parser.parse_args(argv)
    if arguments.api_key and not arguments.kustomer_url:
        parser.error("--api-key goes with --kustomer-url")
    if arguments.kustomer_behaves and arguments.kustomer_url:
        parser.error("--kustomer-behaves sets up the built-in simulator, not --kustomer-url")
    try:
        arguments.contract = contract_for(arguments.kustomer_behaves, DEFAULT_CONTRACT)
    except ValueError as error:
        parser.error(f"--kustomer-behaves: {error}")
    for item in arguments.param:
        if "=" not in item:
            parser.error(f"--param takes NAME=VALUE, got {item!r}")
    return arguments


def _api_key(arguments: argparse.Namespace) -> str:
    key = arguments.api_key or os.environ.get("KUSTOMER_API_KEY")
    if key:
        return str(key)
    if not sys.stdin.isatty():
        raise SystemExit(
            "--kustomer-url needs an API key: --api-key, $KUSTOMER_API_KEY or a terminal"
        )
    return getpass.getpass("Kustomer API key (not echoed): ")


@dataclass
class RecipientActions:
    """What the simulated recipients did, to check the outcome against."""

    final_scores: dict[str, int] = field(default_factory=dict)
    versions: Counter[str] = field(default_factory=Counter)
    comments: dict[str, str] = field(default_factory=dict)
    prefetched_only: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    low_score: str | None = None
    answered_after_reminder: list[str] = field(default_factory=list)


def _answer(link: str, score: int, comment: str, reasons: tuple[str, ...] = ()) -> None:
    answer(link, score, comment, reasons).raise_for_status()


def simulate_recipients(emails: list[SentEmail], seed: int = 7) -> RecipientActions:
    """Most recipients answer, some ignore the email, one mail gateway fetches every link and
    submits every form it finds (which must record nothing and unsubscribe nobody), and one
    recipient changes their mind."""
    rng = random.Random(seed)
    actions = RecipientActions()
    for index, message in enumerate(sorted(emails, key=lambda sent: sent.survey_id)):
        links = message.rating_links()
        survey_id = message.survey_id
        if index == 0:
            scan_like_a_security_gateway([*links.values(), message.unsubscribe_link])
            actions.prefetched_only.append(survey_id)
            continue
        if index % 4 == 3:
            actions.ignored.append(survey_id)
            continue
        # Most support answers lean positive; the weights rise with the score.
        scores = sorted(links)
        score = rng.choices(scores, weights=range(1, len(scores) + 1))[0]
        comment = rng.choice(COMMENTS)
        reasons: tuple[str, ...] = ()
        if index == 2:
            # A low score, and what went wrong.
            score, comment, reasons = min(links) + 1, COMMENTS[1], LOW_SCORE_REASONS
            actions.low_score = survey_id
        _answer(links[score], score, comment, reasons)
        actions.final_scores[survey_id], actions.versions[survey_id] = score, 1
        actions.comments[survey_id] = comment
        if index == 1:
            changed = min(links) if score != min(links) else max(links)
            _answer(links[changed], changed, comment)
            actions.final_scores[survey_id], actions.versions[survey_id] = changed, 2
    return actions


def answer_reminders(reminders: list[SentEmail], actions: RecipientActions) -> None:
    """The first recipient who ignored the survey answers its reminder."""
    for message in sorted(reminders, key=lambda sent: sent.survey_id):
        if message.survey_id in actions.ignored:
            links = message.rating_links()
            _answer(links[max(links)], max(links), "")
            actions.ignored.remove(message.survey_id)
            actions.answered_after_reminder.append(message.survey_id)
            actions.final_scores[message.survey_id] = max(links)
            actions.versions[message.survey_id] = 1
            return


def _references(simulator: KustomerSimulator, conversation_id: str, survey_id: str) -> int:
    return sum(
        f"Survey reference: {survey_id} v" in str(note["attributes"].get("body", ""))
        for note in simulator.notes_for(conversation_id)
    )


def check_and_summarize(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    seeded: SeedSummary,
    actions: RecipientActions,
    second_scan_queued: int,
    trigger: TriggerSettings,
    cycle: int,
) -> list[str]:
    """Print the table and return the problems found (none when the pipeline behaved). The
    first `cycle` emails are the surveys; those after are the reminders, three days later."""
    metric, attribute = trigger.metric, trigger.score_attribute_name()
    first_cycle = Counter(message.survey_id for message in runtime.sent_emails()[:cycle])
    # A survey's first email is the survey, a second its reminder; conversations that went
    # quiet by three days later got their survey then.
    every_email = Counter(message.survey_id for message in runtime.sent_emails())
    emails_per_survey = Counter(dict.fromkeys(every_email, 1))
    reminders_per_survey = Counter(
        {survey_id: count - 1 for survey_id, count in every_email.items() if count > 1}
    )
    surveys = {item["survey_id"]: item for item in runtime.table_items("SurveysTable")}
    ratings = {item["survey_id"]: item for item in runtime.table_items("RatingsTable")}
    rows = [(conversation, "eligible") for conversation in seeded.eligible]
    rows += [(conversation, "no email address") for conversation in seeded.no_email]
    rows += [(conversation, f"not due: {why}") for conversation, why in seeded.ineligible.items()]
    problems: list[str] = []
    header = (
        f"{'conversation':<26} {'seeded as':<24} {'survey':<7} {'emails':>6} {'reminder':>8}  "
        f"{'answer':<24} {'notes':>5} {attribute:>11}"
    )
    print(header)
    print("-" * len(header))
    for conversation_id, seeded_as in rows:
        survey_id = f"{metric}-{conversation_id}"
        survey = surveys.get(survey_id, {})
        rating = ratings.get(survey_id)
        custom = simulator.conversation(conversation_id)["attributes"].get("custom") or {}
        notes = _references(simulator, conversation_id, survey_id)
        emails = emails_per_survey[survey_id]
        reminded = reminders_per_survey[survey_id]
        if survey_id in actions.prefetched_only:
            answer = "link scanner only"
        elif survey_id in actions.ignored:
            answer = "not answered"
        elif rating is not None:
            answer = f"{int(rating['score'])}" + (" changed" if int(rating["version"]) > 1 else "")
            answer += " + reasons" if rating.get("reasons") else ""
            answer += " + comment" if rating.get("comment") else ""
            answer += " after reminder" if survey_id in actions.answered_after_reminder else ""
        else:
            answer = "-"
        print(
            f"{conversation_id:<26} {seeded_as[:24]:<24} {survey.get('status', '-'):<7} "
            f"{emails:>6} {reminded or '-'!s:>8}  "
            f"{answer:<24} {notes:>5} {custom.get(attribute, '-')!s:>11}"
        )
        if reminded > 1 or (reminded and seeded_as != "eligible"):
            problems.append(f"{conversation_id}: {reminded} reminders")
        if seeded_as == "eligible" and (first_cycle[survey_id] != 1 or survey["status"] != "sent"):
            problems.append(f"{conversation_id}: eligible but got {emails} emails")
        if seeded_as != "eligible" and first_cycle[survey_id]:
            problems.append(f"{conversation_id}: {seeded_as} but got a survey at once")
        answered_first = survey_id in actions.final_scores
        if reminded and answered_first and survey_id not in actions.answered_after_reminder:
            problems.append(f"{conversation_id}: reminded after an answer")
        if seeded_as == "no email address" and survey.get("status") != "skipped":
            problems.append(f"{conversation_id}: customer without email not recorded as skipped")
        expected_score = actions.final_scores.get(survey_id)
        if expected_score is not None and (
            custom.get(attribute) != expected_score or notes != actions.versions[survey_id]
        ):
            problems.append(
                f"{conversation_id}: rating {expected_score} not written back exactly once"
            )
        if expected_score is None and (rating is not None or notes):
            problems.append(f"{conversation_id}: has a rating or note nobody gave")
    print()
    answered = len(actions.final_scores)
    unsubscribed = {item["survey_id"] for item in runtime.table_items("SuppressionsTable")}
    prefetched_rated = sum(
        survey_id in ratings or survey_id in unsubscribed for survey_id in actions.prefetched_only
    )
    print(
        f"Surveys emailed: {sum(first_cycle.values())} "
        f"for {len(seeded.eligible)} eligible conversations"
    )
    print(f"Answers recorded and written back as notes and attributes: {answered}")
    print(
        f"Link scanners that recorded a rating or an unsubscribe: {prefetched_rated} "
        f"of {len(actions.prefetched_only)} emails"
    )
    print(f"Second scan queued {second_scan_queued} new surveys (expected 0)")
    print(
        f"Reminders three days later: {sum(reminders_per_survey.values())}, to those who had not "
        f"answered; {len(actions.answered_after_reminder)} answered after it"
    )
    problems += _each_brands_email(runtime, seeded, trigger)
    problems += _close_the_loop(runtime, simulator, actions, trigger)
    if prefetched_rated:
        problems.append(f"link scanners recorded something on {prefetched_rated} surveys")
    if second_scan_queued:
        problems.append(f"second scan queued {second_scan_queued} surveys")
    return problems


def _each_brands_email(
    runtime: LocalRuntime, seeded: SeedSummary, trigger: TriggerSettings
) -> list[str]:
    """Print one survey email per program, and return the eligible conversations whose survey
    did not come from their brand's program."""
    programs = {"Acme": trigger.metric, "Globex": f"{trigger.metric}-globex"}
    surveys = {item["survey_id"]: item for item in runtime.table_items("SurveysTable")}
    shown: set[str] = set()
    problems = []
    for message in runtime.sent_emails():
        program = surveys.get(message.survey_id, {}).get("program")
        if program in shown or program is None:
            continue
        shown.add(str(program))
        print(f"{program}'s email: From {message.message['From']}, {message.message['Subject']!r}")
    for conversation_id in seeded.eligible:
        expected = programs[seeded.brand_of[conversation_id]]
        program = surveys.get(f"{trigger.metric}-{conversation_id}", {}).get("program")
        if program != expected:
            problems.append(f"{conversation_id}: surveyed by {program}, not {expected}")
    return problems


def _close_the_loop(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    actions: RecipientActions,
    trigger: TriggerSettings,
) -> list[str]:
    """Print what followed the low score (the reasons in Kustomer, the event on the bus, the
    alert email, the tag) and return what is missing."""
    if actions.low_score is None:
        return []
    conversation_id = actions.low_score.split("-", 1)[1]
    custom = simulator.conversation(conversation_id)["attributes"].get("custom") or {}
    reasons = custom.get(trigger.reason_attribute_name())
    print(
        f"\nLow score {actions.final_scores[actions.low_score]} on {conversation_id}, what went "
        f"wrong: {reasons} ({trigger.reason_attribute_name()} in Kustomer, and in the note)"
    )
    events = [
        event
        for event in runtime.bus_events()
        if event["detail"]["survey"] == actions.low_score
        and event["detail-type"] == "Survey Answered"
    ]
    for event in events:
        detail = event["detail"]
        shown = {key: detail[key] for key in ("score", "sentiment", "reasons", "commentLength")}
        print(f"Event on the bus: {event['detail-type']} {shown}")
    alerts = [n for n in runtime.notifications() if conversation_id in n.subject]
    for alert in alerts:
        print(f"Alert email to {alert.recipient}: {alert.subject!r} (in the outbox as alert-*.eml)")
    tags = simulator.tag_names(conversation_id)
    print(f"Tags on the conversation in Kustomer: {', '.join(tags)}")
    kinds = Counter(event["detail-type"] for event in runtime.bus_events())
    print("Events on the bus: " + ", ".join(f"{count} {kind}" for kind, count in kinds.items()))
    problems = []
    if reasons != ",".join(LOW_SCORE_REASONS):
        problems.append(f"{conversation_id}: reasons {reasons!r} not in Kustomer")
    if not events:
        problems.append(f"{conversation_id}: no event on the bus for the low score")
    if len(alerts) != 1:
        problems.append(f"{conversation_id}: {len(alerts)} alert emails for the low score")
    if NEGATIVE_TAG not in tags:
        problems.append(f"{conversation_id}: not tagged {NEGATIVE_TAG}")
    if not actions.answered_after_reminder:
        problems.append("no reminder was answered")
    return problems


def print_report(runtime: LocalRuntime, metric: str, html: Path | None) -> int:
    """`surveys report` on this runtime, as an admin would type it; returns its exit code."""
    from cli.main import main as surveys

    arguments = ["report", "--metric", metric, "--since", "30d", "--by", "program"]
    if html is not None:
        arguments += ["--html", str(html)]
    print(f"\n$ surveys --local {' '.join(arguments)}")
    # What `make serve` leaves running for the admin, this run keeps to itself.
    with tempfile.TemporaryDirectory() as folder:
        stack_file = Path(folder) / "stack.json"
        runtime.stack().write_local_file(stack_file)
        return surveys(["--local-file", str(stack_file), *arguments])


def _queued(scan_results: list[dict[str, Any]]) -> int:
    return sum(int(report["queued"]) for result in scan_results for report in result["reports"])


def run_once(
    runtime: LocalRuntime,
    simulator: KustomerSimulator | None,
    seeded: SeedSummary | None,
    trigger: TriggerSettings,
    clicks: bool,
    report_html: Path | None,
) -> int:
    started = time.monotonic()
    try:
        results = runtime.scan()
    except Exception as error:
        print(f"Scan failed: {type(error).__name__}: {error}")
        return 1
    for report in (report for result in results for report in result["reports"]):
        if report["failed"]:
            print(f"Scan of {report['metric']} failed: {report['stopped_because']}")
            return 1
        if report["stopped_because"]:
            print(f"Scan of {report['metric']} stopped early: {report['stopped_because']}")
    queued = _queued(results)
    print(f"Scan: {queued} surveys queued")
    handled, failed = runtime.deliver()
    print(
        f"Sender: {handled} messages handled, {failed} failed, "
        f"{len(runtime.sent_emails())} emails sent"
    )
    actions = RecipientActions()
    if clicks and simulator is not None:
        actions = simulate_recipients(runtime.sent_emails())
        print(
            f"Recipients: {len(actions.final_scores)} answered, "
            f"{len(actions.ignored)} ignored the email"
        )
    print(f"Writeback: {runtime.write_back()} stream records processed")
    second = _queued(runtime.scan())
    runtime.deliver()
    # Three days on: the scanner's schedule queues the reminders, the sender sends them. (It
    # surveys the conversations that became due meanwhile too, which the table leaves out.)
    cycle = len(runtime.sent_emails())
    if simulator is not None:
        surveyed = {message.survey_id for message in runtime.sent_emails()}
        runtime.scan(datetime.now(UTC) + timedelta(days=trigger.reminder_after_days, hours=1))
        runtime.deliver()
        reminders = [m for m in runtime.sent_emails()[cycle:] if m.survey_id in surveyed]
        print(
            f"Three days later: {len(reminders)} reminders sent to those who had not answered, "
            f"and {len(runtime.sent_emails()) - cycle - len(reminders)} surveys for "
            "conversations that went quiet meanwhile"
        )
    if clicks and simulator is not None:
        answer_reminders(reminders, actions)
        runtime.write_back()
    print(f"Cycle took {time.monotonic() - started:.1f}s\n")
    if simulator is None or seeded is None:
        for item in runtime.table_items("SurveysTable"):
            print(f"{item['survey_id']:<40} {item['status']:<8} {item.get('skip_reason') or ''}")
        return print_report(runtime, trigger.metric, report_html)
    problems = check_and_summarize(runtime, simulator, seeded, actions, second, trigger, cycle)
    if print_report(runtime, trigger.metric, report_html) != 0:
        problems.append("the report failed")
    if problems:
        print("\nDemo FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(
        "\nDemo OK: every eligible conversation got exactly one survey, from its brand's program, "
        "and at most one reminder, none other did, every answer is in Kustomer, and the low "
        "score reached the bus, the team's inbox and the conversation's tags."
    )
    return 0


def _import_agents(runtime: LocalRuntime) -> bool:
    """What `surveys connect` does with Kustomer's users and teams; False when Kustomer
    refused or failed, said in one line."""
    from surveys.usecases.agents import AgentSyncError

    try:
        agents = runtime.import_agents()
    except AgentSyncError as error:
        print(f"Agents not imported: {error}")
        return False
    print(f"Agents: {agents.imported} imported from Kustomer, as `surveys connect` does")
    if agents.teams.not_imported_because:
        print(
            f"Teams: not imported ({agents.teams.not_imported_because}); reports by team stay empty"
        )
    return True


# What `make serve` suggests trying; tests/e2e/test_documented_commands.py runs each.
ADMIN_EXAMPLES = (
    "trigger show {metric}",
    "report --metric {metric} --by agent",
    "redrive",
    "doctor",
)


def serve(runtime: LocalRuntime, interval: float, metric: str) -> int:
    stack_file = local_stack_file()
    runtime.stack().write_local_file(stack_file)
    print(
        f"Serving rating pages on {runtime.base_url}; scanning every {interval:g}s. Ctrl-C stops."
    )
    print(f"Admin commands reach this runtime with `--local` ({stack_file} describes it), e.g.:")
    for example in ADMIN_EXAMPLES:
        print(f"  .venv/bin/surveys --local {example.format(metric=metric)}")
    seen = 0
    try:
        while True:
            runtime.scan()
            runtime.deliver()
            for message in runtime.sent_emails()[seen:]:
                links = message.rating_links()
                print(
                    f"Survey {message.survey_id} sent to {', '.join(message.recipients)}: "
                    f"{links[max(links)]}"
                )
            seen = len(runtime.sent_emails())
            written = runtime.write_back()
            if written:
                print(f"Writeback: {written} rating records written back to Kustomer")
            time.sleep(interval)
    except KeyboardInterrupt:
        print("\nStopped.")
        return 0
    finally:
        stack_file.unlink(missing_ok=True)


@contextmanager
def function_logs(verbose: bool, outbox: Path | None) -> Iterator[tuple[TextIO, str]]:
    """Where the functions' log lines go, and the line that says so: the terminal with
    --verbose, else a file in the outbox, else nowhere: the demo's own lines stay readable."""
    if verbose:
        yield sys.stdout, "Function logs: printed here (--verbose)"
        return
    if outbox is None:
        with open(os.devnull, "w", encoding="utf-8") as nowhere:
            yield (
                nowhere,
                f"Function logs: not kept (--outbox DIR writes them to DIR/{FUNCTION_LOG}, "
                "--verbose prints them)",
            )
        return
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / FUNCTION_LOG
    with path.open("w", encoding="utf-8") as file:
        yield file, f"Function logs: {path}"


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    with function_logs(arguments.verbose, arguments.outbox) as (logs, where):
        return _run(arguments, logs, where)


def _run(arguments: argparse.Namespace, logs: TextIO, where_logs_go: str) -> int:
    overrides = dict(item.split("=", 1) for item in arguments.param)
    simulator: KustomerSimulator | None = None
    seeded: SeedSummary | None = None
    if arguments.kustomer_url:
        api_url, api_key = arguments.kustomer_url, _api_key(arguments)
        print(f"Kustomer: {api_url} (AWS stays in moto: this is a dry run)")
    else:
        simulator = KustomerSimulator(api_key=SIMULATOR_API_KEY, contract=arguments.contract)
        api_url, api_key = simulator.start(), SIMULATOR_API_KEY
        seeded = simulator.seed_demo(eligible=arguments.eligible)
        print(
            f"Kustomer simulator: {api_url}, seeded {len(seeded.eligible)} eligible conversations, "
            f"{len(seeded.ineligible)} not due, {len(seeded.no_email)} without an email address"
        )
        print(f"It behaves: {arguments.contract.describe()}")
    runtime = LocalRuntime(
        RuntimeOptions(
            kustomer_api_key=api_key,
            parameters={**DEMO_PARAMETERS, "KustomerOrgUrl": api_url, **overrides},
            port=arguments.port,
            outbox=arguments.outbox,
            function_logs=logs,
        )
    ).start()
    print(f"AWS (moto): {runtime.moto.url}; rating pages: {runtime.base_url}")
    try:
        trigger = runtime.set_trigger(arguments.metric, negative_tag=NEGATIVE_TAG)
        if seeded is not None:
            second = runtime.set_trigger(
                f"{trigger.metric}-globex",
                metric=trigger.metric,
                include_brands=[seeded.brands["Globex"]],
                negative_tag=NEGATIVE_TAG,
                **SECOND_BRAND,
            )
            print(
                f"Programs {trigger.name} (every brand, as Acme) and {second.name} (brand "
                "Globex, as Globex) activated, as `surveys trigger create/activate` do"
            )
        else:
            print(f"Trigger {trigger.metric} activated, as `surveys trigger activate` does")
        if not _import_agents(runtime):
            return 1
        if arguments.outbox:
            print(f"Outbox: {arguments.outbox.resolve()}")
        print(where_logs_go)
        if arguments.serve:
            return serve(runtime, arguments.scan_interval, trigger.metric)
        return run_once(
            runtime,
            simulator,
            seeded,
            trigger,
            clicks=not arguments.no_simulated_clicks,
            report_html=arguments.outbox / "report.html" if arguments.outbox else None,
        )
    finally:
        runtime.stop()
        if simulator is not None:
            simulator.stop()


if __name__ == "__main__":
    sys.exit(main())
