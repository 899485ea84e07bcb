"""Sends a ready MIME message through SES v2."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from botocore.exceptions import ClientError

from surveys.observability import mask_emails


class RecipientRejectedError(Exception):
    """SES will never deliver this message as it is (bad address, rejected content). Its text
    masks the addresses SES's message names: it is stored and logged as the survey's reason."""


# SES message tag values allow only these characters.
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_.@-]{1,256}$")


class SesMailer:
    def __init__(self, sesv2_client: Any, configuration_set: str) -> None:
        self._ses = sesv2_client
        # The configuration set routes this message's bounces and complaints to the
        # ses_events function, which suppresses the address.
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage, *, metric: str, language: str) -> str:
        """Send `message`; its survey id rides along as a message tag, so a bounce or
        complaint names the survey (and through it the conversation) it came from.

        SES writes the Feedback-ID header itself (Gmail reports spam complaints per value of
        it in Postmaster Tools) and fills its first two fields from the `ses:feedback-id-a` and
        `-b` tags: here the metric and the language, so complaints show per kind of survey. A
        Feedback-ID header of our own would compete with SES's."""
        survey_id = str(message["X-Survey-Id"] or "")
        tags = [{"Name": "survey_id", "Value": survey_id}] if _TAG_VALUE.match(survey_id) else []
        tags += [
            {"Name": name, "Value": value}
            for name, value in (("ses:feedback-id-a", metric), ("ses:feedback-id-b", language))
            if _TAG_VALUE.match(value)
        ]
        try:
            response = self._ses.send_email(
                Content={"Raw": {"Data": message.as_bytes()}},
                ConfigurationSetName=self._configuration_set,
                EmailTags=tags,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("MessageRejected", "BadRequestException", "InvalidParameterValue"):
                raise RecipientRejectedError(mask_emails(f"{code}: {error}")) from error
            raise
        return str(response["MessageId"])
