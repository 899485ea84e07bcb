"""What the pages behind survey links say, in each supported language: keys the templates reach
as `text.<key>`, looked up through surveys/domain/i18n.py."""

from __future__ import annotations

PAGE_TEXT: dict[str, dict[str, str]] = {
    "your_answer": {
        "en": "Your answer",
        "de": "Ihre Antwort",
        "fr": "Votre réponse",
        "es": "Su respuesta",
        "sk": "Vaša odpoveď",
    },
    "comment_label": {
        "en": "Anything you would like to add? (optional)",
        "de": "Möchten Sie noch etwas hinzufügen? (optional)",
        "fr": "Souhaitez-vous ajouter quelque chose ? (facultatif)",
        "es": "¿Desea añadir algo? (opcional)",
        "sk": "Chcete niečo dodať? (nepovinné)",
    },
    "send": {
        "en": "Send",
        "de": "Senden",
        "fr": "Envoyer",
        "es": "Enviar",
        "sk": "Odoslať",
    },
    "hint_without_script": {
        "en": "Press Send to save your answer.",
        "de": "Klicken Sie auf Senden, um Ihre Antwort zu speichern.",
        "fr": "Cliquez sur Envoyer pour enregistrer votre réponse.",
        "es": "Pulse Enviar para guardar su respuesta.",
        "sk": "Odpoveď uložíte tlačidlom Odoslať.",
    },
    "hint_with_script": {
        "en": "Your answer is saved when you leave this page. Press Send to add a comment.",
        "de": "Ihre Antwort wird gespeichert, wenn Sie diese Seite verlassen. "
        "Mit Senden fügen Sie einen Kommentar hinzu.",
        "fr": "Votre réponse est enregistrée lorsque vous quittez cette page. "
        "Cliquez sur Envoyer pour ajouter un commentaire.",
        "es": "Su respuesta se guarda al salir de esta página. "
        "Pulse Enviar para añadir un comentario.",
        "sk": "Vaša odpoveď sa uloží, keď túto stránku opustíte. "
        "Tlačidlom Odoslať pridáte komentár.",
    },
    "confirm_notice": {
        "en": "Please press Send to confirm your answer.",
        "de": "Bitte bestätigen Sie Ihre Antwort mit Senden.",
        "fr": "Veuillez confirmer votre réponse en cliquant sur Envoyer.",
        "es": "Pulse Enviar para confirmar su respuesta.",
        "sk": "Potvrďte, prosím, svoju odpoveď tlačidlom Odoslať.",
    },
    "thanks_heading": {
        "en": "Thank you!",
        "de": "Vielen Dank!",
        "fr": "Merci !",
        "es": "¡Gracias!",
        "sk": "Ďakujeme!",
    },
    "thanks_recorded": {
        "en": "Your answer is recorded:",
        "de": "Ihre Antwort ist gespeichert:",
        "fr": "Votre réponse est enregistrée :",
        "es": "Su respuesta ha quedado registrada:",
        "sk": "Vaša odpoveď je uložená:",
    },
    "thanks_updated": {
        "en": "Your answer is updated:",
        "de": "Ihre Antwort ist aktualisiert:",
        "fr": "Votre réponse est mise à jour :",
        "es": "Su respuesta se ha actualizado:",
        "sk": "Vaša odpoveď je aktualizovaná:",
    },
    "your_comment": {
        "en": "Your comment:",
        "de": "Ihr Kommentar:",
        "fr": "Votre commentaire :",
        "es": "Su comentario:",
        "sk": "Váš komentár:",
    },
    "reads_every_answer": {
        "en": "{company} reads every answer.",
        "de": "{company} liest jede Antwort.",
        "fr": "{company} lit chaque réponse.",
        "es": "{company} lee todas las respuestas.",
        "sk": "{company} číta každú odpoveď.",
    },
    "change_answer": {
        "en": "Change your answer",
        "de": "Antwort ändern",
        "fr": "Modifier votre réponse",
        "es": "Cambiar su respuesta",
        "sk": "Zmeniť odpoveď",
    },
    "held_heading": {
        "en": "Your answer is not counted yet",
        "de": "Ihre Antwort wurde noch nicht gezählt",
        "fr": "Votre réponse n'est pas encore prise en compte",
        "es": "Su respuesta aún no se ha contabilizado",
        "sk": "Vaša odpoveď sa zatiaľ nezapočítala",
    },
    "held_explanation": {
        "en": "We received several different answers within a few seconds, as email security "
        "scanners send them. If it was you, please choose your answer again in a minute.",
        "de": "Wir haben innerhalb weniger Sekunden mehrere verschiedene Antworten erhalten, "
        "wie sie E-Mail-Sicherheitsscanner senden. Wenn Sie das waren, wählen Sie Ihre Antwort "
        "bitte in einer Minute erneut.",
        "fr": "Nous avons reçu plusieurs réponses différentes en quelques secondes, comme en "
        "envoient les scanners de sécurité des e-mails. Si c'était vous, veuillez choisir à "
        "nouveau votre réponse dans une minute.",
        "es": "Recibimos varias respuestas distintas en pocos segundos, como las que envían los "
        "escáneres de seguridad del correo. Si fue usted, vuelva a elegir su respuesta dentro "
        "de un minuto.",
        "sk": "V priebehu niekoľkých sekúnd sme dostali viacero rôznych odpovedí, ako ich "
        "posielajú bezpečnostné skenery e-mailov. Ak ste to boli vy, vyberte, prosím, svoju "
        "odpoveď znova o minútu.",
    },
    "closed_heading": {
        "en": "This survey has closed",
        "de": "Diese Umfrage ist beendet",
        "fr": "Cette enquête est close",
        "es": "Esta encuesta ha finalizado",
        "sk": "Tento prieskum je uzavretý",
    },
    "closed_explanation": {
        "en": "The link in your email has expired. Thank you all the same.",
        "de": "Der Link in Ihrer E-Mail ist abgelaufen. Trotzdem vielen Dank.",
        "fr": "Le lien de votre e-mail a expiré. Merci tout de même.",
        "es": "El enlace de su correo ha caducado. Gracias de todos modos.",
        "sk": "Platnosť odkazu vo vašom e-maile vypršala. Aj tak ďakujeme.",
    },
    "invalid_heading": {
        "en": "This link is not valid",
        "de": "Dieser Link ist ungültig",
        "fr": "Ce lien n'est pas valide",
        "es": "Este enlace no es válido",
        "sk": "Tento odkaz nie je platný",
    },
    "invalid_explanation": {
        "en": "Please use the link exactly as it appears in the email.",
        "de": "Bitte verwenden Sie den Link genau so, wie er in der E-Mail steht.",
        "fr": "Veuillez utiliser le lien exactement tel qu'il figure dans l'e-mail.",
        "es": "Utilice el enlace exactamente como aparece en el correo.",
        "sk": "Použite, prosím, odkaz presne tak, ako je uvedený v e-maile.",
    },
    "not_found_heading": {
        "en": "Survey not found",
        "de": "Umfrage nicht gefunden",
        "fr": "Enquête introuvable",
        "es": "Encuesta no encontrada",
        "sk": "Prieskum sa nenašiel",
    },
    "not_found_explanation": {
        "en": "We could not find this survey.",
        "de": "Wir konnten diese Umfrage nicht finden.",
        "fr": "Nous n'avons pas trouvé cette enquête.",
        "es": "No hemos encontrado esta encuesta.",
        "sk": "Tento prieskum sme nenašli.",
    },
    "off_scale_heading": {
        "en": "That answer is not on the scale",
        "de": "Diese Antwort liegt nicht auf der Skala",
        "fr": "Cette réponse ne fait pas partie de l'échelle",
        "es": "Esa respuesta no está en la escala",
        "sk": "Táto odpoveď nie je na stupnici",
    },
    "off_scale_explanation": {
        "en": "Please choose a whole number from {lowest} to {highest}.",
        "de": "Bitte wählen Sie eine ganze Zahl von {lowest} bis {highest}.",
        "fr": "Veuillez choisir un nombre entier de {lowest} à {highest}.",
        "es": "Elija un número entero del {lowest} al {highest}.",
        "sk": "Vyberte, prosím, celé číslo od {lowest} do {highest}.",
    },
    "unreadable_heading": {
        "en": "We could not read your answer",
        "de": "Wir konnten Ihre Antwort nicht lesen",
        "fr": "Nous n'avons pas pu lire votre réponse",
        "es": "No hemos podido leer su respuesta",
        "sk": "Vašu odpoveď sa nepodarilo prečítať",
    },
    "unreadable_explanation": {
        "en": "Please go back and send the form again.",
        "de": "Bitte gehen Sie zurück und senden Sie das Formular erneut.",
        "fr": "Veuillez revenir en arrière et renvoyer le formulaire.",
        "es": "Vuelva atrás y envíe el formulario de nuevo.",
        "sk": "Vráťte sa, prosím, späť a odošlite formulár znova.",
    },
    "already_recorded_heading": {
        "en": "Your answer is already recorded",
        "de": "Ihre Antwort ist bereits gespeichert",
        "fr": "Votre réponse est déjà enregistrée",
        "es": "Su respuesta ya está registrada",
        "sk": "Vaša odpoveď je už uložená",
    },
    "changes_not_allowed": {
        "en": "Answers to this survey cannot be changed.",
        "de": "Antworten auf diese Umfrage können nicht geändert werden.",
        "fr": "Les réponses à cette enquête ne peuvent pas être modifiées.",
        "es": "Las respuestas a esta encuesta no se pueden cambiar.",
        "sk": "Odpovede na tento prieskum nie je možné meniť.",
    },
    "change_window_passed": {
        "en": "The time to change your answer has passed. Thank you for answering.",
        "de": "Die Frist zum Ändern Ihrer Antwort ist abgelaufen. Danke für Ihre Antwort.",
        "fr": "Le délai pour modifier votre réponse est dépassé. Merci d'avoir répondu.",
        "es": "Ha pasado el plazo para cambiar su respuesta. Gracias por responder.",
        "sk": "Čas na zmenu odpovede uplynul. Ďakujeme za odpoveď.",
    },
    "unsubscribe_heading": {
        "en": "Stop survey emails?",
        "de": "Keine Umfrage-E-Mails mehr?",
        "fr": "Ne plus recevoir d'e-mails d'enquête ?",
        "es": "¿Dejar de recibir correos de encuesta?",
        "sk": "Už nedostávať e-maily s prieskumami?",
    },
    "unsubscribe_explanation": {
        "en": "{company} will not send survey emails to {address} again.",
        "de": "{company} sendet keine Umfrage-E-Mails mehr an {address}.",
        "fr": "{company} n'enverra plus d'e-mails d'enquête à {address}.",
        "es": "{company} no volverá a enviar correos de encuesta a {address}.",
        "sk": "{company} už nebude posielať e-maily s prieskumami na adresu {address}.",
    },
    "unsubscribe_button": {
        "en": "Unsubscribe",
        "de": "Abmelden",
        "fr": "Se désabonner",
        "es": "Darse de baja",
        "sk": "Odhlásiť sa",
    },
    "unsubscribe_confirm_notice": {
        "en": "Please press Unsubscribe to confirm.",
        "de": "Bitte bestätigen Sie mit Abmelden.",
        "fr": "Veuillez confirmer en cliquant sur Se désabonner.",
        "es": "Pulse Darse de baja para confirmar.",
        "sk": "Potvrďte, prosím, tlačidlom Odhlásiť sa.",
    },
    "unsubscribed_heading": {
        "en": "You are unsubscribed",
        "de": "Sie sind abgemeldet",
        "fr": "Vous êtes désabonné(e)",
        "es": "Se ha dado de baja",
        "sk": "Ste odhlásený/á",
    },
    "unsubscribed_explanation": {
        "en": "{company} will not send survey emails to {address} again.",
        "de": "{company} sendet keine Umfrage-E-Mails mehr an {address}.",
        "fr": "{company} n'enverra plus d'e-mails d'enquête à {address}.",
        "es": "{company} no volverá a enviar correos de encuesta a {address}.",
        "sk": "{company} už nebude posielať e-maily s prieskumami na adresu {address}.",
    },
}
