"""What the sender hands SES: the raw message, the configuration set, and the survey as a tag."""

from email.message import EmailMessage

from surveys.adapters.mailer import SesMailer


class RecordingSes:
    def __init__(self):
        self.calls = []

    def send_email(self, **arguments):
        self.calls.append(arguments)
        return {"MessageId": "m-1"}


def message(survey_id):
    email = EmailMessage()
    email["To"] = "jane@example.com"
    email["X-Survey-Id"] = survey_id
    email.set_content("Hello")
    return email


def test_every_email_goes_through_the_configuration_set_tagged_with_its_survey():
    ses = RecordingSes()

    sent = SesMailer(ses, "surveys-config").send(
        message("ces-6b00e929"), metric="ces", language="en"
    )

    assert sent == "m-1"
    [call] = ses.calls
    assert call["ConfigurationSetName"] == "surveys-config"
    assert call["EmailTags"] == [
        {"Name": "survey_id", "Value": "ces-6b00e929"},
        {"Name": "ses:feedback-id-a", "Value": "ces"},
        {"Name": "ses:feedback-id-b", "Value": "en"},
    ]
    assert b"Hello" in call["Content"]["Raw"]["Data"]


def test_a_survey_id_ses_cannot_take_as_a_tag_is_left_out_not_refused():
    ses = RecordingSes()

    SesMailer(ses, "surveys-config").send(message("ces-a|b"), metric="ces", language="en")

    assert [tag["Name"] for tag in ses.calls[0]["EmailTags"]] == [
        "ses:feedback-id-a",
        "ses:feedback-id-b",
    ]
