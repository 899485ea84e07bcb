"""What the recipient reads, in each supported language: questions, score labels and email text
here, the pages' text in surveys/domain/page_texts.py."""

from __future__ import annotations

from surveys.domain.metrics import Metric
from surveys.domain.page_texts import PAGE_TEXT

DEFAULT_LANGUAGE = "en"

QUESTIONS: dict[str, dict[str, str]] = {
    "ces": {
        "en": "{company} made it easy for me to handle my issue.",
        "de": "{company} hat es mir leicht gemacht, mein Anliegen zu lösen.",
        "fr": "{company} m'a facilité la résolution de mon problème.",
        "es": "{company} me facilitó la gestión de mi problema.",
        "sk": "Spoločnosť {company} mi uľahčila vyriešenie môjho problému.",
    },
    "csat": {
        "en": "How satisfied are you with the support you received?",
        "de": "Wie zufrieden sind Sie mit der erhaltenen Unterstützung?",
        "fr": "Êtes-vous satisfait(e) de l'assistance que vous avez reçue ?",
        "es": "¿Qué tan satisfecho está con la asistencia que recibió?",
        "sk": "Ako ste spokojný/á s podporou, ktorú ste dostali?",
    },
    "nps": {
        "en": "How likely are you to recommend {company} to a friend or colleague?",
        "de": "Wie wahrscheinlich ist es, dass Sie {company} einem Freund oder Kollegen empfehlen?",
        "fr": "Quelle est la probabilité que vous recommandiez {company} à un ami ou un collègue ?",
        "es": "¿Qué probabilidad hay de que recomiende {company} a un amigo o colega?",
        "sk": "Aká je pravdepodobnosť, že by ste {company} odporučili priateľovi alebo kolegovi?",
    },
}

SCORE_LABELS: dict[str, dict[str, dict[int, str]]] = {
    "ces": {
        "de": dict(
            enumerate(
                [
                    "Stimme überhaupt nicht zu",
                    "Stimme nicht zu",
                    "Stimme eher nicht zu",
                    "Weder noch",
                    "Stimme eher zu",
                    "Stimme zu",
                    "Stimme voll und ganz zu",
                ],
                start=1,
            )
        ),
        "fr": dict(
            enumerate(
                [
                    "Pas du tout d'accord",
                    "Pas d'accord",
                    "Plutôt pas d'accord",
                    "Ni d'accord ni pas d'accord",
                    "Plutôt d'accord",
                    "D'accord",
                    "Tout à fait d'accord",
                ],
                start=1,
            )
        ),
        "es": dict(
            enumerate(
                [
                    "Totalmente en desacuerdo",
                    "En desacuerdo",
                    "Algo en desacuerdo",
                    "Ni de acuerdo ni en desacuerdo",
                    "Algo de acuerdo",
                    "De acuerdo",
                    "Totalmente de acuerdo",
                ],
                start=1,
            )
        ),
        "sk": dict(
            enumerate(
                [
                    "Rozhodne nesúhlasím",
                    "Nesúhlasím",
                    "Skôr nesúhlasím",
                    "Ani súhlasím, ani nesúhlasím",
                    "Skôr súhlasím",
                    "Súhlasím",
                    "Rozhodne súhlasím",
                ],
                start=1,
            )
        ),
    },
    "csat": {
        "de": dict(
            enumerate(
                ["Sehr unzufrieden", "Unzufrieden", "Neutral", "Zufrieden", "Sehr zufrieden"],
                start=1,
            )
        ),
        "fr": dict(
            enumerate(
                ["Très insatisfait", "Insatisfait", "Neutre", "Satisfait", "Très satisfait"],
                start=1,
            )
        ),
        "es": dict(
            enumerate(
                ["Muy insatisfecho", "Insatisfecho", "Neutral", "Satisfecho", "Muy satisfecho"],
                start=1,
            )
        ),
        "sk": dict(
            enumerate(
                ["Veľmi nespokojný", "Nespokojný", "Neutrálny", "Spokojný", "Veľmi spokojný"],
                start=1,
            )
        ),
    },
    "nps": {
        "de": {0: "Sehr unwahrscheinlich", 10: "Äußerst wahrscheinlich"},
        "fr": {0: "Pas du tout probable", 10: "Très probable"},
        "es": {0: "Nada probable", 10: "Muy probable"},
        "sk": {0: "Vôbec nepravdepodobné", 10: "Veľmi pravdepodobné"},
    },
}

EMAIL_TEXT: dict[str, dict[str, str]] = {
    "subject": {
        "en": "How was your experience with {company}?",
        "de": "Wie war Ihre Erfahrung mit {company}?",
        "fr": "Comment s'est passée votre expérience avec {company} ?",
        "es": "¿Cómo fue su experiencia con {company}?",
        "sk": "Aká bola vaša skúsenosť so spoločnosťou {company}?",
    },
    "greeting": {
        "en": "Hello {name},",
        "de": "Hallo {name},",
        "fr": "Bonjour {name},",
        "es": "Hola, {name}:",
        "sk": "Dobrý deň, {name},",
    },
    "greeting_without_name": {
        "en": "Hello,",
        "de": "Hallo,",
        "fr": "Bonjour,",
        "es": "Hola:",
        "sk": "Dobrý deň,",
    },
    "intro": {
        "en": "Thank you for contacting {company}. One quick question about your recent request:",
        "de": "Vielen Dank, dass Sie sich an {company} gewandt haben. "
        "Eine kurze Frage zu Ihrer letzten Anfrage:",
        "fr": "Merci d'avoir contacté {company}. Une petite question sur votre demande récente :",
        "es": "Gracias por contactar con {company}. "
        "Una pregunta rápida sobre su solicitud reciente:",
        "sk": "Ďakujeme, že ste kontaktovali {company}. Krátka otázka k vašej nedávnej požiadavke:",
    },
    "choose": {
        "en": "Choose your answer:",
        "de": "Wählen Sie Ihre Antwort:",
        "fr": "Choisissez votre réponse :",
        "es": "Elija su respuesta:",
        "sk": "Vyberte svoju odpoveď:",
    },
    "one_click": {
        "en": "It takes one click; you can add a comment on the next page.",
        "de": "Ein Klick genügt; auf der nächsten Seite können Sie einen Kommentar hinzufügen.",
        "fr": "Un seul clic suffit ; vous pourrez ajouter un commentaire sur la page suivante.",
        "es": "Solo hace falta un clic; en la página siguiente puede añadir un comentario.",
        "sk": "Stačí jedno kliknutie; na ďalšej stránke môžete pridať komentár.",
    },
    "why_received": {
        "en": "You receive this email because you contacted {company} recently.",
        "de": "Sie erhalten diese E-Mail, weil Sie sich kürzlich an {company} gewandt haben.",
        "fr": "Vous recevez cet e-mail parce que vous avez récemment contacté {company}.",
        "es": "Recibe este correo porque se puso en contacto con {company} recientemente.",
        "sk": "Tento e-mail dostávate, pretože ste nedávno kontaktovali {company}.",
    },
    "unsubscribe": {
        "en": "Unsubscribe from survey emails",
        "de": "Keine Umfrage-E-Mails mehr erhalten",
        "fr": "Se désabonner des e-mails d'enquête",
        "es": "Darse de baja de los correos de encuesta",
        "sk": "Odhlásiť sa z e-mailov s prieskumami",
    },
}

# The pages behind the links: the rating page, thank-you, unsubscribe and problem pages.


def supported(language: str | None) -> str | None:
    """The catalog language for a Kustomer locale such as `de-at` or `en_US`, if any."""
    if not language:
        return None
    base = language.replace("_", "-").split("-", 1)[0].lower()
    return base if base in QUESTIONS["ces"] else None


def question(metric: Metric, language: str, company: str) -> str:
    texts = QUESTIONS[metric.key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(company=company)


def score_label(metric: Metric, score: int, language: str) -> str:
    localized = SCORE_LABELS[metric.key].get(language, {})
    return localized.get(score) or metric.score_labels.get(score, str(score))


def email_text(key: str, language: str, **values: str) -> str:
    texts = EMAIL_TEXT[key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)


def page_text(key: str, language: str, **values: object) -> str:
    texts = PAGE_TEXT[key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)


def page_texts(language: str) -> dict[str, str]:
    """Every page string in `language`, placeholders unfilled: for templates."""
    return {key: texts.get(language, texts[DEFAULT_LANGUAGE]) for key, texts in PAGE_TEXT.items()}


def preferred(accept_language: str | None) -> str:
    """The first language of a browser's Accept-Language we speak, for pages that belong to no
    survey we know (a tampered or unknown link); English otherwise."""
    ranked = []
    for position, entry in enumerate((accept_language or "").split(",")):
        tag, _, parameters = entry.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        language = supported(tag.strip())
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
