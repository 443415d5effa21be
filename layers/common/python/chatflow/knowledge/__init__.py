"""The knowledge base: entries (text, files, web pages) split into chunks, embedded, and retrieved
for each visitor message by hybrid search (pgvector cosine + PostgreSQL full-text, fused by rank)."""

from __future__ import annotations

__all__: list[str] = []
