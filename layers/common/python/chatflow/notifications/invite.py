"""The invitation a new dashboard user receives: where to sign in, with which temporary password,
in the user's language (English or Spanish)."""

from __future__ import annotations

from chatflow.names import displayable_name
from chatflow.notifications import Email

__all__ = ["invitation_email", "join_email"]

_SUBJECT = {
    "en": "You have been invited to ChatFlow360",
    "es": "Te han invitado a ChatFlow360",
}

_INTRO = {
    "en": "Hello{name},\n\nAn account has been created for you on ChatFlow360.",
    "es": "Hola{name}:\n\nSe ha creado una cuenta para ti en ChatFlow360.",
}

_ORGANIZATION = {
    "en": "You have joined {organization} as {role}.",
    "es": "Te has unido a {organization} como {role}.",
}

_JOIN = {
    "en": "You are invited to join {organization} as {role}. Once signed in, accept the invitation here "
    "(it expires in {days} days):\n{url}",
    "es": "Te invitan a unirte a {organization} como {role}. Después de iniciar sesión, acepta la invitación "
    "aquí (caduca en {days} días):\n{url}",
}

_JOIN_SUBJECT = {
    "en": "An invitation to an organisation on ChatFlow360",
    "es": "Una invitación a una organización en ChatFlow360",
}

_JOIN_CLOSING = {
    "en": "If you were not expecting this email, you can ignore it: nothing changes until you accept.\n\n"
    "The ChatFlow360 team",
    "es": "Si no esperabas este correo, puedes ignorarlo: nada cambia hasta que aceptes.\n\nEl equipo de ChatFlow360",
}

_ROLE = {
    "en": {"admin": "an administrator", "agent": "an agent"},
    "es": {"admin": "administrador/a", "agent": "agente"},
}

_BODY = {
    "en": (
        "Sign in at: {url}\n"
        "Email: {email}\n"
        "Temporary password: {password}\n\n"
        "You will be asked to choose your own password the first time you sign in. "
        "The temporary password expires after a few days; if it has, ask your administrator to invite you again.\n\n"
        "If you were not expecting this email, you can ignore it.\n\n"
        "The ChatFlow360 team"
    ),
    "es": (
        "Inicia sesión en: {url}\n"
        "Correo electrónico: {email}\n"
        "Contraseña temporal: {password}\n\n"
        "La primera vez que inicies sesión te pediremos que elijas tu propia contraseña. "
        "La contraseña temporal caduca a los pocos días; si ya ha caducado, "
        "pide a tu administrador que te invite de nuevo.\n\n"
        "Si no esperabas este correo, puedes ignorarlo.\n\n"
        "El equipo de ChatFlow360"
    ),
}


def invitation_email(
    *,
    to: str,
    name: str,
    language: str,
    temporary_password: str,
    sign_in_url: str,
    organization: str | None = None,
    role: str | None = None,
    join_url: str | None = None,
    join_days: int = 7,
) -> Email:
    """The invitation in `language` ("en" or "es"; anything else reads English). With `join_url`, the
    organisation is one the new account joins by accepting there; without, one it has joined."""
    lang = language if language in _SUBJECT else "en"
    # A name that breaks the rule (stored before it existed) is left out, never repeated to its reader.
    shown = displayable_name(name.strip() if name else None)
    paragraphs = [_INTRO[lang].format(name=f" {shown}" if shown else "")]
    if organization and role in _ROLE[lang]:
        template = _JOIN[lang] if join_url else _ORGANIZATION[lang]
        paragraphs.append(
            template.format(organization=organization, role=_ROLE[lang][role], url=join_url, days=join_days)
        )
    paragraphs.append(_BODY[lang].format(url=sign_in_url, email=to, password=temporary_password))
    return Email(to=to, subject=_SUBJECT[lang], text="\n\n".join(paragraphs))


def join_email(*, to: str, language: str, organization: str, role: str, join_url: str, join_days: int) -> Email:
    """An existing account invited into one more organisation: it joins only by accepting at the link."""
    lang = language if language in _SUBJECT else "en"
    paragraphs = [
        _JOIN[lang].format(organization=organization, role=_ROLE[lang].get(role, role), url=join_url, days=join_days),
        _JOIN_CLOSING[lang],
    ]
    return Email(to=to, subject=_JOIN_SUBJECT[lang], text="\n\n".join(paragraphs))
