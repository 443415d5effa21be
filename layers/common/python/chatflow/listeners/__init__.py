"""The side effects of domain events, one module each, named after what it does. functions/dispatch
runs them (chatflow.outbox.dispatch); a new side effect is a new module here and a line below."""

from chatflow.listeners.auto_assign_on_handoff import auto_assign_on_handoff
from chatflow.listeners.count_for_reports import count_for_reports
from chatflow.listeners.count_question_embeddings import count_question_embeddings
from chatflow.listeners.deliver_webhooks import deliver_webhooks
from chatflow.listeners.email_admins_on_handoff import email_admins_on_handoff
from chatflow.listeners.email_admins_over_limit import email_admins_over_limit
from chatflow.listeners.email_members_on_offline_message import email_members_on_offline_message
from chatflow.listeners.email_mentioned_members import email_mentioned_members
from chatflow.listeners.email_transcript import email_transcript
from chatflow.listeners.push_note_to_operators import push_note_to_operators
from chatflow.listeners.push_read_receipts import push_read_receipts
from chatflow.listeners.push_to_sockets import push_to_sockets
from chatflow.listeners.record_knowledge_gaps import record_knowledge_gaps
from chatflow.listeners.reembed_knowledge import reembed_knowledge
from chatflow.listeners.send_to_meta import send_to_meta
from chatflow.listeners.sync_websites import sync_websites
from chatflow.outbox import Listener

__all__ = [
    "LISTENERS",
    "auto_assign_on_handoff",
    "count_for_reports",
    "count_question_embeddings",
    "deliver_webhooks",
    "email_admins_on_handoff",
    "email_admins_over_limit",
    "email_members_on_offline_message",
    "email_mentioned_members",
    "email_transcript",
    "push_note_to_operators",
    "push_read_receipts",
    "push_to_sockets",
    "record_knowledge_gaps",
    "reembed_knowledge",
    "send_to_meta",
    "sync_websites",
]

# In the order they run for one dispatch: the live update and the customer's WhatsApp or Messenger
# message first, for they are what people wait on; webhooks last, and only their making (their
# attempts go through the queue).
LISTENERS: tuple[Listener, ...] = (
    push_to_sockets,
    push_note_to_operators,
    push_read_receipts,
    send_to_meta,
    auto_assign_on_handoff,
    count_for_reports,
    count_question_embeddings,
    email_admins_on_handoff,
    email_admins_over_limit,
    email_mentioned_members,
    email_members_on_offline_message,
    email_transcript,
    record_knowledge_gaps,
    reembed_knowledge,
    sync_websites,
    deliver_webhooks,
)
