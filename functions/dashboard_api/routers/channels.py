"""An organisation's channels: org admins and super admins write, agents read. A website channel's
answer carries the one `<script>` tag its business pastes into its pages, and its widget's language
and look (which the widget reads from its public config call)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import Field, StringConstraints, field_validator, model_validator

from chatflow import channels, meta
from chatflow.access import Caller
from chatflow.ai_settings import MAX_SYSTEM_PROMPT_LENGTH, clean_handoff_keywords
from chatflow.channels import DEFAULT_COLOR, MAX_ALLOWED_ORIGINS, MAX_WELCOME_LENGTH, WidgetPosition
from chatflow.db import Connection
from chatflow.errors import InvalidInput
from chatflow.media import media_url
from chatflow.meta import templates as meta_templates
from chatflow.page_urls import normalize_secret_parameters
from chatflow.settings import Settings
from chatflow.text import Storable
from chatflow.vocabulary import ChannelType, Language
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Name, PictureIn, PictureUploadIn, PictureUploadOut, Schema, error_responses

router = APIRouter(prefix="/organizations/{organization_id}/channels", tags=["channels"], responses=SIGNED_IN_ERRORS)

# PostgreSQL text cannot hold NUL: refused here as 400 rather than failing in the database.
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_SYSTEM_PROMPT_LENGTH, pattern=r"^[^\x00]*$")]
Origins = Annotated[list[str], Field(max_length=MAX_ALLOWED_ORIGINS)]
Color = Annotated[str, Field(description="#rrggbb; stored in lower case.", examples=["#2f92ad"])]
# Trimmed; blank is null (the widget's own greeting).
WelcomeText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_WELCOME_LENGTH), Storable]


class WelcomeMessage(Schema):
    """The widget's greeting in each language; null (or blank): the widget's own."""

    en: WelcomeText | None = None
    es: WelcomeText | None = None

    @field_validator("en", "es")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return channels.clean_welcome(value)

    def by_language(self) -> dict[Language, str | None]:
        return {"en": self.en, "es": self.es}


_GraphId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
_Secret = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class WhatsAppIn(Schema):
    """A WhatsApp channel's connection (Meta's WhatsApp Cloud API). All fields the first time; after
    that, a field left out keeps what is stored. Tokens and secrets are write-only."""

    phone_number_id: _GraphId | None = None
    business_account_id: _GraphId | None = None
    access_token: _Secret | None = Field(default=None, description="Write-only; read back as accessTokenHint.")
    app_secret: _Secret | None = Field(default=None, description="Write-only: signs Meta's webhooks.")
    verify_token: _Secret | None = Field(default=None, description="Pasted into Meta's console; shown.")

    def credentials(self) -> meta.MetaCredentials:
        return meta.MetaCredentials(
            kind="whatsapp",
            account_id=self.phone_number_id,
            business_account_id=self.business_account_id,
            access_token=self.access_token,
            app_secret=self.app_secret,
            verify_token=self.verify_token,
        )


class MessengerIn(Schema):
    """A Messenger channel's connection (a Facebook page). As WhatsAppIn: all fields the first time."""

    page_id: _GraphId | None = None
    page_access_token: _Secret | None = Field(default=None, description="Write-only; read back as a hint.")
    app_secret: _Secret | None = Field(default=None, description="Write-only: signs Meta's webhooks.")
    verify_token: _Secret | None = Field(default=None, description="Pasted into Meta's console; shown.")

    def credentials(self) -> meta.MetaCredentials:
        return meta.MetaCredentials(
            kind="messenger",
            account_id=self.page_id,
            access_token=self.page_access_token,
            app_secret=self.app_secret,
            verify_token=self.verify_token,
        )


def _credentials(whatsapp: WhatsAppIn | None, messenger: MessengerIn | None) -> meta.MetaCredentials | None:
    if whatsapp is not None and messenger is not None:
        raise InvalidInput("whatsapp, messenger: a channel is connected to one of them.")
    chosen = whatsapp or messenger
    return None if chosen is None else chosen.credentials()


class MetaConnectionOut(Schema):
    """How Meta reaches this channel: what to paste into Meta's console (webhookUrl, verifyToken) and
    what is stored (ids, hints of the secrets). connected false: nothing stored yet."""

    connected: bool
    webhook_url: str
    phone_number_id: str | None = Field(default=None, description="WhatsApp only.")
    business_account_id: str | None = Field(default=None, description="WhatsApp only.")
    page_id: str | None = Field(default=None, description="Messenger only.")
    access_token_hint: str | None = None
    app_secret_hint: str | None = None
    verify_token: str | None = None

    @classmethod
    def of(cls, kind: meta.MetaKind, connection: meta.MetaConnection | None, settings: Settings) -> MetaConnectionOut:
        url = meta.webhook_url(settings, kind)
        if connection is None:
            return cls(connected=False, webhook_url=url)
        ids = (
            {"phone_number_id": connection.account_id, "business_account_id": connection.business_account_id}
            if kind == "whatsapp"
            else {"page_id": connection.account_id}
        )
        return cls(
            connected=True,
            webhook_url=url,
            access_token_hint=connection.access_token_hint,
            app_secret_hint=connection.app_secret_hint,
            verify_token=connection.verify_token,
            **ids,
        )


class ConnectionTestOut(Schema):
    ok: bool
    outcome: str = Field(
        description="connected, not_connected, unauthorized (the token was refused), not_found (no such number or "
        "page for this token), unreachable (no answer from the Graph API) or error."
    )
    name: str | None = Field(default=None, description="The number's verified name and number, or the page's name.")
    graph_status: int | None = None


class _ChannelFields(Schema):
    @field_validator("color", check_fields=False)
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        return None if value is None else channels.normalize_color(value)

    @field_validator("allowed_origins", check_fields=False)
    @classmethod
    def _origins(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else channels.normalize_origins(value)

    @field_validator("secret_query_parameters", check_fields=False)
    @classmethod
    def _secret_parameters(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalize_secret_parameters(value)

    @field_validator("handoff_keywords", check_fields=False)
    @classmethod
    def _keywords(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_handoff_keywords(value)


class ChannelCreate(_ChannelFields):
    name: Name
    type: ChannelType = "website"
    active: bool = True
    allowed_origins: Origins = Field(default_factory=list, description="Empty: any website may embed it.")
    handoff_enabled: bool = True
    handoff_keywords: list[str] | None = Field(default=None, description="null: the organisation's keywords.")
    system_prompt: SystemPrompt | None = Field(default=None, description="null: the organisation's prompt.")
    default_language: Language = Field(
        default="en", description="What the widget speaks when the visitor, the page and the browser do not say."
    )
    language_fixed: bool = Field(
        default=False, description="true: the widget always speaks defaultLanguage (the snippet carries data-lang)."
    )
    color: Color = DEFAULT_COLOR
    position: WidgetPosition = "right"
    business_name: Name | None = Field(default=None, description="null: the organisation's name.")
    welcome_message: WelcomeMessage | None = Field(default=None, description="null: the widget's own greeting.")
    secret_query_parameters: list[str] = Field(
        default_factory=list,
        description="Query parameters of the site's URLs that carry secrets (names, any case): the page URL a "
        "conversation keeps drops them, beyond the platform's own list (token, code, session, …).",
    )
    whatsapp: WhatsAppIn | None = Field(default=None, description="A whatsapp channel's connection to Meta.")
    messenger: MessengerIn | None = Field(default=None, description="A messenger channel's connection to Meta.")


# Fields that may be left out of a PATCH but not set to null (null means "inherit" only for the others).
_NOT_NULLABLE = (
    "name",
    "type",
    "active",
    "allowedOrigins",
    "handoffEnabled",
    "defaultLanguage",
    "languageFixed",
    "color",
    "position",
    "secretQueryParameters",
)


class ChannelUpdate(_ChannelFields):
    name: Name | None = None
    type: ChannelType | None = None
    active: bool | None = None
    allowed_origins: Origins | None = None
    handoff_enabled: bool | None = None
    handoff_keywords: list[str] | None = Field(default=None, description="null: inherit the organisation's again.")
    system_prompt: SystemPrompt | None = Field(default=None, description="null: inherit the organisation's again.")
    default_language: Language | None = None
    language_fixed: bool | None = None
    color: Color | None = None
    position: WidgetPosition | None = None
    business_name: Name | None = Field(default=None, description="null: the organisation's name again.")
    welcome_message: WelcomeMessage | None = Field(
        default=None, description="Both languages at once; null: the widget's own greeting again."
    )
    secret_query_parameters: list[str] | None = Field(default=None, description="The whole list; [] for none.")
    whatsapp: WhatsAppIn | None = Field(default=None, description="Connect, or change the connection.")
    messenger: MessengerIn | None = Field(default=None, description="Connect, or change the connection.")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in _NOT_NULLABLE:
                if name in data and data[name] is None:
                    raise ValueError(f"{name} may not be null")
        return data


class ChannelOut(Schema):
    id: UUID
    organization_id: UUID
    name: str
    type: ChannelType
    active: bool
    public_key: UUID
    allowed_origins: list[str]
    handoff_enabled: bool
    handoff_keywords: list[str] | None
    system_prompt: str | None
    default_language: Language
    language_fixed: bool
    color: str
    position: WidgetPosition
    business_name: str | None = Field(description="null: the organisation's name.")
    welcome_message: WelcomeMessage = Field(description="Per language; null: the widget's own greeting.")
    secret_query_parameters: list[str] = Field(
        description="Query parameters the page URL a conversation keeps drops, beyond the platform's own list."
    )
    embed_snippet: str | None = Field(
        description="The <script> tag for the website (data-lang only when the language is fixed); null for "
        "other types."
    )
    meta_connection: MetaConnectionOut | None = Field(
        description="WhatsApp and Messenger channels: their connection to Meta; null for websites."
    )
    logo_url: str | None = Field(
        default=None, description="The logo the widget shows in its header (website channels); null: initials."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, channel: channels.Channel, settings: Settings, connection: meta.MetaConnection | None = None
    ) -> ChannelOut:
        return cls(
            id=channel.id,
            organization_id=channel.organization_id,
            name=channel.name,
            type=channel.type,
            active=channel.active,
            public_key=channel.public_key,
            allowed_origins=channel.allowed_origins,
            handoff_enabled=channel.handoff_enabled,
            handoff_keywords=channel.handoff_keywords,
            system_prompt=channel.system_prompt,
            default_language=channel.default_language,
            language_fixed=channel.language_fixed,
            color=channel.color,
            position=channel.position,
            business_name=channel.business_name,
            welcome_message=WelcomeMessage.model_construct(en=channel.welcome_en, es=channel.welcome_es),
            secret_query_parameters=channel.secret_query_parameters,
            embed_snippet=channels.embed_snippet(settings, channel),
            meta_connection=(
                MetaConnectionOut.of(channel.type, connection, settings) if channel.type in meta.META_KINDS else None
            ),
            logo_url=media_url(channel.logo_key),
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


@router.get("", response_model=list[ChannelOut])
def list_channels(organization_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings) -> list[ChannelOut]:
    """Members: the organisation's channels, by name."""
    found = channels.list_channels(db, caller, organization_id)
    connected = meta.connections(db, caller, organization_id)
    return [ChannelOut.of(c, settings, connected.get(c.id)) for c in found]


def _out(db: Connection, caller: Caller, channel: channels.Channel, settings: Settings) -> ChannelOut:
    connection = meta.connections(db, caller, channel.organization_id).get(channel.id)
    return ChannelOut.of(channel, settings, connection)


@router.post("", response_model=ChannelOut, status_code=status.HTTP_201_CREATED, responses=error_responses(409))
def create_channel(
    organization_id: UUID, body: ChannelCreate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChannelOut:
    """Org admin: a new channel with its public key. 409 plan_limit beyond the plan's channels
    (starter 1, pro 3, growth 10)."""
    channel = channels.create_channel(
        db,
        caller,
        organization_id,
        name=body.name,
        channel_type=body.type,
        active=body.active,
        allowed_origins=body.allowed_origins,
        handoff_enabled=body.handoff_enabled,
        handoff_keywords=body.handoff_keywords,
        system_prompt=body.system_prompt,
        default_language=body.default_language,
        language_fixed=body.language_fixed,
        color=body.color,
        position=body.position,
        business_name=body.business_name,
        welcome=body.welcome_message.by_language() if body.welcome_message else None,
        secret_query_parameters=body.secret_query_parameters,
        meta_credentials=_credentials(body.whatsapp, body.messenger),
    )
    return _out(db, caller, channel, settings)


@router.get("/{channel_id}", response_model=ChannelOut)
def get_channel(
    organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChannelOut:
    return _out(db, caller, channels.get_channel(db, caller, organization_id, channel_id), settings)


@router.patch("/{channel_id}", response_model=ChannelOut)
def update_channel(
    organization_id: UUID, channel_id: UUID, body: ChannelUpdate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChannelOut:
    """Org admin: change any field; handoffKeywords, systemPrompt or businessName set to null inherit the
    organisation's, welcomeMessage set to null the widget's own greeting."""
    sent = body.model_fields_set
    welcome = body.welcome_message.by_language() if body.welcome_message else {"en": None, "es": None}
    changes = channels.ChannelChanges(
        name=body.name,
        type=body.type,
        active=body.active,
        allowed_origins=body.allowed_origins,
        handoff_enabled=body.handoff_enabled,
        set_handoff_keywords="handoff_keywords" in sent,
        handoff_keywords=body.handoff_keywords,
        set_system_prompt="system_prompt" in sent,
        system_prompt=body.system_prompt,
        default_language=body.default_language,
        language_fixed=body.language_fixed,
        color=body.color,
        position=body.position,
        set_business_name="business_name" in sent,
        business_name=body.business_name,
        set_welcome="welcome_message" in sent,
        secret_query_parameters=body.secret_query_parameters,
        welcome_en=welcome["en"],
        welcome_es=welcome["es"],
    )
    credentials = _credentials(body.whatsapp, body.messenger)
    channel = channels.update_channel(db, caller, organization_id, channel_id, changes, credentials)
    return _out(db, caller, channel, settings)


@router.post("/{channel_id}/test-connection", response_model=ConnectionTestOut)
def test_connection(
    organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ConnectionTestOut:
    """Members: ask Meta's Graph API about the connected number or page with the stored token. What
    Meta answered is in `outcome`; never an error for it."""
    tested = meta.test_connection(db, caller, organization_id, channel_id, settings=settings)
    return ConnectionTestOut.from_domain(tested)


class TemplateVariableOut(Schema):
    component: str = Field(description="header or body")
    key: str = Field(description='"1", "2", … or a name, as the template writes {{1}} or {{first_name}}.')
    example: str | None = Field(description="Meta's example value: untrusted text.")


class TemplateOut(Schema):
    """A WhatsApp message template as Meta listed it. Its text is the business's: untrusted."""

    name: str
    language: str = Field(description="Meta's code: en_US, es, es_MX, …")
    status: str = Field(description="Meta's: APPROVED, PENDING, REJECTED, PAUSED, …")
    category: str | None
    header: str | None
    body: str
    footer: str | None
    variables: list[TemplateVariableOut]
    sendable: bool = Field(description="False when it needs what cannot be given here (a media header, a button).")
    offered: bool = Field(description="Approved and sendable: the reply box offers it.")


class TemplatesOut(Schema):
    synced_at: datetime | None = Field(description="When they were last read from Meta; null: never.")
    items: list[TemplateOut]

    @classmethod
    def of(cls, found: tuple[list[meta_templates.Template], datetime | None]) -> TemplatesOut:
        items, synced_at = found
        return cls(synced_at=synced_at, items=[TemplateOut.from_domain(t) for t in items])


@router.get("/{channel_id}/templates", response_model=TemplatesOut)
def list_templates(organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db) -> TemplatesOut:
    """Members: the WhatsApp channel's message templates as last synced (none for another channel)."""
    return TemplatesOut.of(meta_templates.list_templates(db, caller, organization_id, channel_id))


@router.post("/{channel_id}/templates/sync", response_model=TemplatesOut, responses=error_responses(400, 502))
def sync_templates(
    organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> TemplatesOut:
    """Members: read the business account's templates from Meta's Graph API again and keep them.
    400 for a channel not connected to WhatsApp; 502 `graph_api_failed` when Meta does not give them."""
    return TemplatesOut.of(meta_templates.sync_templates(db, caller, organization_id, channel_id, settings=settings))


@router.post(
    "/{channel_id}/logo/upload",
    response_model=PictureUploadOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404, 415),
)
def request_logo_upload(
    organization_id: UUID, channel_id: UUID, body: PictureUploadIn, caller: CurrentCaller, db: Db
) -> PictureUploadOut:
    """Org admin: a presigned POST for a website channel's logo, straight to storage; then PUT …/logo."""
    grant = channels.request_logo_upload(
        db, caller, organization_id, channel_id, content_type=body.content_type, size=body.size
    )
    return PictureUploadOut(url=grant.url, fields=grant.fields, upload_key=grant.upload_key, max_bytes=grant.max_bytes)


@router.put("/{channel_id}/logo", response_model=ChannelOut, responses=error_responses(400, 404, 409, 415))
def set_logo(
    organization_id: UUID, channel_id: UUID, body: PictureIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChannelOut:
    """Org admin: the uploaded picture (checked by its bytes, squared to 256 px, without metadata) becomes
    the widget's logo, served from /media."""
    channel = channels.set_logo(db, caller, organization_id, channel_id, upload_key=body.upload_key)
    return _out(db, caller, channel, settings)


@router.delete("/{channel_id}/logo", response_model=ChannelOut, responses=error_responses(404))
def remove_logo(
    organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChannelOut:
    """Org admin: the widget shows the business name's initials again."""
    return _out(db, caller, channels.remove_logo(db, caller, organization_id, channel_id), settings)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(organization_id: UUID, channel_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Org admin: delete the channel with its conversations; its widget stops answering."""
    channels.delete_channel(db, caller, organization_id, channel_id)
