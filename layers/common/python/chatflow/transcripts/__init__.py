"""Transcripts and exports: a copy of a conversation emailed to its visitor (asked for from the widget,
or sent by an agent), and a conversation or a filtered inbox exported as CSV or JSON.

The names are imported on first use (chatflow._lazy): the widget's transcript request needs neither
the exports nor the inbox's filters they read."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
    from chatflow.transcripts.emails import load_transcript, transcript_email, visitor_email_of
    from chatflow.transcripts.export import (
        CONVERSATION_COLUMNS,
        MAX_EXPORT_CONVERSATIONS,
        MESSAGE_COLUMNS,
        ExportFormat,
        check_conversation_export,
        check_inbox_export,
        conversation_export,
        inbox_export,
    )
    from chatflow.transcripts.service import (
        MAX_VISITOR_TRANSCRIPTS,
        TranscriptSent,
        request_transcript,
        send_transcript,
    )

__all__ = [
    "CONVERSATION_COLUMNS",
    "MAX_EXPORT_CONVERSATIONS",
    "MAX_VISITOR_TRANSCRIPTS",
    "MESSAGE_COLUMNS",
    "ExportFormat",
    "TranscriptSent",
    "check_conversation_export",
    "check_inbox_export",
    "conversation_export",
    "inbox_export",
    "load_transcript",
    "request_transcript",
    "send_transcript",
    "transcript_email",
    "visitor_email_of",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(("load_transcript", "transcript_email", "visitor_email_of"), "chatflow.transcripts.emails"),
        **dict.fromkeys(
            (
                "CONVERSATION_COLUMNS",
                "MAX_EXPORT_CONVERSATIONS",
                "MESSAGE_COLUMNS",
                "ExportFormat",
                "check_conversation_export",
                "check_inbox_export",
                "conversation_export",
                "inbox_export",
            ),
            "chatflow.transcripts.export",
        ),
        **dict.fromkeys(
            ("MAX_VISITOR_TRANSCRIPTS", "TranscriptSent", "request_transcript", "send_transcript"),
            "chatflow.transcripts.service",
        ),
    },
)
