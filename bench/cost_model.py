"""AWS cost per 10,000 surveys, from measured durations, AWS request counts and log volume,
priced at list prices; beside it SES's own price, the floor any self-hosted sender pays.

    .venv/bin/python -m bench.cost_model [--surveys 200] [--response-rate 0.25]
                                         [--kustomer-latency-ms 150]

The pipeline runs locally (bench.measure): each function's warm CPU, stretched to the CPU share
of its MemorySize in template.yaml, and its waits on AWS, AWS API calls (DynamoDB request units
estimated per call), and bytes logged at INFO with EMF metrics on, as template.yaml deploys them.
Two things a local run cannot show are added as assumptions: each Kustomer request's latency (the
simulator answers in about a millisecond), and cold starts (AWS reports them for under 1 % of
invocations; each is billed since 1 Aug 2025).
"""

from __future__ import annotations

import argparse

from bench.common import table
from bench.measure import Measurement, measure_pipeline

# List prices, us-east-1, as published on aws.amazon.com/<service>/pricing (read 2025; DynamoDB
# on-demand after its 1 Nov 2024 reduction). Check them before relying on the result.
PRICES_AS_OF = "2025 list prices, us-east-1"
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
DYNAMODB_WRITE_UNIT = 0.625 / 1e6
DYNAMODB_READ_UNIT = 0.125 / 1e6
SQS_REQUEST = 0.40 / 1e6
SES_EMAIL = 0.10 / 1000
HTTP_API_REQUEST = 1.00 / 1e6
SECRETS_MANAGER_CALL = 0.05 / 10_000
LOGS_INGESTED_GB = 0.50
XRAY_TRACE = 5.00 / 1e6

SURVEYS = 10_000
# Lambda's CPU grows with memory, one vCPU at 1,769 MB
# (docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
LAMBDA_MB_PER_VCPU = 1769
PLATFORM_LOG_BYTES = 350  # Lambda's START, END and REPORT lines per invocation
COLD_START_SHARE = 0.01
COLD_START_SECONDS = 1.0  # bench.cold_start measures about 0.6 to 0.9 s of import here
# Per the unit a function works on: Kustomer requests it makes at the fewest
# (bench.kustomer_requests): a search page per 100 conversations, a customer per survey, a note
# and an attribute update per rating.
KUSTOMER_REQUESTS = {
    "ScannerFunction": 0.01,
    "SenderFunction": 1.0,
    "RatingWebhookFunction": 0.0,
    "WritebackFunction": 2.0,
}
# A rating keeps the writeback-pending index entry from its recording to its writeback: the
# index is written twice, at the cost of a table write each.
INDEX_WRITES_PER_RATING = 2


def lambda_seconds(cpu: float, wait: float, memory_mb: int) -> float:
    """How long work of `cpu` seconds of one local core and `wait` seconds of waiting takes on a
    Lambda of `memory_mb`: the CPU stretched by its share of a vCPU (one thread uses at most
    one), the waits as they are."""
    return cpu * LAMBDA_MB_PER_VCPU / min(memory_mb, LAMBDA_MB_PER_VCPU) + wait


def line_items(
    measurement: Measurement, response_rate: float, kustomer_latency: float
) -> list[tuple[str, str, float]]:
    answered = SURVEYS * response_rate
    units = {
        "ScannerFunction": (SURVEYS, measurement.surveys),
        "SenderFunction": (SURVEYS, measurement.surveys),
        "RatingWebhookFunction": (answered, measurement.answered),
        "WritebackFunction": (answered, measurement.answered),
    }
    invocations = gb_seconds = log_bytes = 0.0
    calls: dict[str, float] = {}
    write_units = read_units = 0.0
    for logical_id, (scaled, measured) in units.items():
        stats = measurement.functions[logical_id]
        factor = scaled / measured
        function_invocations = stats.invocations * factor
        if logical_id == "ScannerFunction":
            function_invocations = 0.0  # scheduled: a fixed cost, whatever the volume
        memory_mb = measurement.memory_mb[logical_id]
        seconds = (
            lambda_seconds(stats.cpu, max(stats.wall - stats.cpu, 0.0), memory_mb) * factor
            + scaled * KUSTOMER_REQUESTS[logical_id] * kustomer_latency
        )
        invocations += function_invocations
        gb_seconds += (
            measurement.memory_mb[logical_id]
            / 1024
            * (seconds + function_invocations * COLD_START_SHARE * COLD_START_SECONDS)
        )
        log_bytes += stats.log_bytes * factor + PLATFORM_LOG_BYTES * function_invocations
        write_units += stats.write_units * factor
        read_units += stats.read_units * factor
        for call, count in stats.aws_calls.items():
            calls[call] = calls.get(call, 0.0) + count * factor
    write_units += INDEX_WRITES_PER_RATING * answered
    sender = measurement.functions["SenderFunction"]
    sender_batches = sender.invocations * SURVEYS / measurement.surveys
    # Lambda's SQS poller: a receive and a batch delete per batch of messages.
    sqs_requests = sum(n for call, n in calls.items() if call.startswith("sqs.")) + 2 * (
        sender_batches
    )
    secrets_calls = sum(n for call, n in calls.items() if call.startswith("secretsmanager."))
    http_requests = 2 * answered  # the rating page, then the form
    return [
        ("Lambda requests", f"{invocations:,.0f} invocations", invocations * LAMBDA_REQUEST),
        (
            "Lambda duration (arm64)",
            f"{gb_seconds:,.0f} GB-s",
            gb_seconds * LAMBDA_ARM_GB_SECOND,
        ),
        ("DynamoDB writes", f"{write_units:,.0f} WRU", write_units * DYNAMODB_WRITE_UNIT),
        ("DynamoDB reads", f"{read_units:,.0f} RRU", read_units * DYNAMODB_READ_UNIT),
        ("SQS", f"{sqs_requests:,.0f} requests", sqs_requests * SQS_REQUEST),
        (
            "API Gateway HTTP API",
            f"{http_requests:,.0f} requests",
            http_requests * HTTP_API_REQUEST,
        ),
        (
            "Secrets Manager calls",
            f"{secrets_calls:,.0f} calls",
            secrets_calls * SECRETS_MANAGER_CALL,
        ),
        (
            "CloudWatch Logs ingestion",
            f"{log_bytes / 1e6:,.1f} MB",
            log_bytes / 1e9 * LOGS_INGESTED_GB,
        ),
        ("X-Ray traces", f"{invocations:,.0f} traces", invocations * XRAY_TRACE),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveys", type=int, default=200)
    parser.add_argument("--response-rate", type=float, default=0.25)
    parser.add_argument("--kustomer-latency-ms", type=float, default=150.0)
    arguments = parser.parse_args()
    measurement = measure_pipeline(arguments.surveys, arguments.surveys)

    items = line_items(measurement, arguments.response_rate, arguments.kustomer_latency_ms / 1000)
    aws_total = sum(cost for _, _, cost in items)
    ses = SURVEYS * SES_EMAIL
    rows = [(name, quantity, f"${cost:.4f}") for name, quantity, cost in items]
    rows.append(("all of the above", "", f"${aws_total:.4f}"))
    rows.append(("SES, 10,000 emails (the floor)", "", f"${ses:.4f}"))
    print(
        f"AWS cost per {SURVEYS:,} surveys sent, {arguments.response_rate:.0%} of them answered "
        f"({PRICES_AS_OF}; measured on {arguments.surveys} local surveys; Kustomer latency "
        f"assumed {arguments.kustomer_latency_ms:.0f} ms a request)\n"
    )
    print(table(rows, ("item", "quantity", "cost")))
    print(
        f"\ntotal with SES: ${aws_total + ses:.2f} per {SURVEYS:,} surveys, "
        f"{(aws_total + ses) / ses:.2f} x SES alone; "
        f"everything but SES: ${aws_total:.2f} ({aws_total / ses:.0%} of the SES bill)\n"
        "not per survey (monthly, whatever the volume): the scanner every 15 minutes and the "
        "reconcile sweep hourly (3,600 short invocations), two secrets ($0.80), the dashboard, "
        "alarms and custom metrics; storage of a few KB per survey"
    )


if __name__ == "__main__":
    main()
