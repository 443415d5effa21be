"""An organisation's visitors, read from their conversations (see service.py)."""

from chatflow.visitors.models import MAX_PAGE_SIZE, Visitor
from chatflow.visitors.service import list_visitors

__all__ = ["MAX_PAGE_SIZE", "Visitor", "list_visitors"]
