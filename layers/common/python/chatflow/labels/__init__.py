"""Labels on conversations (see service.py)."""

from chatflow.labels.service import (
    LABEL_COLORS,
    Label,
    add_label,
    conversation_labels,
    create_label,
    delete_label,
    list_labels,
    remove_label,
    update_label,
)

__all__ = [
    "LABEL_COLORS",
    "Label",
    "add_label",
    "conversation_labels",
    "create_label",
    "delete_label",
    "list_labels",
    "remove_label",
    "update_label",
]
