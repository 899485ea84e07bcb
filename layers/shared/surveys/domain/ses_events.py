"""What SES reports about a survey email: bounces and complaints, as its configuration set's
event destination publishes them to SNS (docs.aws.amazon.com/ses/latest/dg/
event-publishing-retrieving-sns-contents.html). Identity notifications use `notificationType`
instead of `eventType` for the same content, so both are read."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

SURVEY_TAG = "survey_id"


class _SesModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class BouncedRecipient(_SesModel):
    email_address: str = Field(alias="emailAddress")
    status: str | None = None
    diagnostic_code: str | None = Field(default=None, alias="diagnosticCode")


class Bounce(_SesModel):
    bounce_type: str = Field(alias="bounceType")
    bounce_sub_type: str = Field(default="", alias="bounceSubType")
    bounced_recipients: list[BouncedRecipient] = Field(alias="bouncedRecipients")


class ComplainedRecipient(_SesModel):
    email_address: str = Field(alias="emailAddress")


class Complaint(_SesModel):
    complained_recipients: list[ComplainedRecipient] = Field(alias="complainedRecipients")
    complaint_feedback_type: str | None = Field(default=None, alias="complaintFeedbackType")


class Mail(_SesModel):
    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def survey_id(self) -> str | None:
        """The survey the sender tagged the message with."""
        values = self.tags.get(SURVEY_TAG) or []
        return values[0] if values else None


class SesEvent(_SesModel):
    event_type: str = Field(validation_alias=AliasChoices("eventType", "notificationType"))
    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None

    @property
    def is_permanent_bounce(self) -> bool:
        # Transient bounces (a full mailbox, a vacation reply) say nothing about next month.
        return self.bounce is not None and self.bounce.bounce_type == "Permanent"
