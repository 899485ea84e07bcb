"""The pages behind the links speak the language the survey email was sent in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import confirm_unsubscribe, send_form
from local.runtime.runtime import LocalRuntime, SentEmail


def _send_to(runtime: LocalRuntime, simulator: KustomerSimulator, locale: str) -> SentEmail:
    now = datetime.now(UTC)
    customer = simulator.add_customer("Jana Weber", emails=["jana@example.de"], locale=locale)
    simulator.add_conversation(customer, updated_at=now - timedelta(hours=60))
    runtime.scan(now)
    runtime.deliver()
    [sent] = runtime.sent_emails()
    return sent


def test_a_german_customer_gets_every_page_in_german(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    sent = _send_to(runtime, simulator, "de-at")
    assert sent.message["Content-Language"] == "de"

    page = requests.get(sent.rating_links()[7], timeout=10)
    off_scale = requests.get(sent.rating_links()[7].replace("score=7", "score=9"), timeout=10)
    thanks = send_form(sent.rating_links()[7], 7, "Super")
    unsubscribe = requests.get(sent.unsubscribe_link, timeout=10)
    unsubscribed = confirm_unsubscribe(sent.unsubscribe_link)

    assert '<html lang="de">' in page.text
    assert "Acme hat es mir leicht gemacht, mein Anliegen zu lösen." in page.text
    assert "Stimme voll und ganz zu" in page.text
    assert ">Senden</button>" in page.text
    assert "Diese Antwort liegt nicht auf der Skala" in off_scale.text
    assert "Bitte wählen Sie eine ganze Zahl von 1 bis 7." in off_scale.text
    assert "Vielen Dank!" in thanks.text
    assert "Ihre Antwort ist gespeichert:" in thanks.text
    assert "Keine Umfrage-E-Mails mehr?" in unsubscribe.text
    assert "Sie sind abgemeldet" in unsubscribed.text


def test_a_link_that_names_no_survey_answers_in_the_browsers_language(
    runtime: LocalRuntime,
) -> None:
    url = f"{runtime.base_url}/r/forged.token?score=5"

    french = requests.get(url, headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}, timeout=10)
    unknown = requests.get(url, headers={"Accept-Language": "ja, zh;q=0.5"}, timeout=10)

    assert french.status_code == unknown.status_code == 403
    assert '<html lang="fr">' in french.text
    assert "Ce lien n&#39;est pas valide" in french.text
    assert "This link is not valid" in unknown.text
