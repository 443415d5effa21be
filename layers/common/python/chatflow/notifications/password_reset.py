"""The password-reset email, in the language of the person who asked for it.

Cognito makes the code and sends the email; its CustomMessage trigger (functions/auth_messages) asks
here for the words. The dashboard's "forgot password" page passes the language it shows, so the
email reads in the language its reader just used.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from chatflow.vocabulary import Language

__all__ = ["PasswordResetMessage", "password_reset_message"]

_SUBJECT: dict[Language, str] = {
    "en": "Your ChatFlow360 password reset code",
    "es": "Tu código para restablecer la contraseña de ChatFlow360",
}

_BODY: dict[Language, str] = {
    "en": (
        "Hello,\n\n"
        "Someone asked to reset the password of your ChatFlow360 account. Your code is:\n\n"
        "{code}\n\n"
        "Enter it on the page where you asked for it, with your new password. It expires in one hour.\n\n"
        "If you did not ask for it, ignore this email: your password stays as it is.\n\n"
        "The ChatFlow360 team"
    ),
    "es": (
        "Hola:\n\n"
        "Alguien pidió restablecer la contraseña de tu cuenta de ChatFlow360. Tu código es:\n\n"
        "{code}\n\n"
        "Escríbelo en la página donde lo pediste, junto con tu nueva contraseña. Caduca en una hora.\n\n"
        "Si no lo pediste, ignora este correo: tu contraseña sigue igual.\n\n"
        "El equipo de ChatFlow360"
    ),
}


@dataclass(frozen=True, slots=True)
class PasswordResetMessage:
    subject: str
    text: str

    @property
    def html(self) -> str:
        """What Cognito sends (its messages go out as HTML, where bare line breaks would vanish):
        a paragraph per blank-line-separated block. No text here comes from a user."""
        return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in self.text.split("\n\n"))


def password_reset_message(language: Language, code: str) -> PasswordResetMessage:
    """`code`: what Cognito replaces with the code (its `codeParameter`, `{####}`)."""
    return PasswordResetMessage(subject=_SUBJECT[language], text=_BODY[language].format(code=code))
