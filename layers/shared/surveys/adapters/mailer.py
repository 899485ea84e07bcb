"""Sends a ready MIME message through SES v2."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from botocore.exceptions import ClientError


class RecipientRejectedError(Exception):
    """SES will never deliver this message as it is (bad address, rejected content)."""


class SesMailer:
    def __init__(self, sesv2_client: Any) -> None:
        self._ses = sesv2_client

    def send(self, message: EmailMessage) -> str:
        try:
            response = self._ses.send_email(Content={"Raw": {"Data": message.as_bytes()}})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("MessageRejected", "BadRequestException", "InvalidParameterValue"):
                raise RecipientRejectedError(f"{code}: {error}") from error
            raise
        return str(response["MessageId"])
