"""The embedded PostgreSQL of the local stack, the tests and the benchmarks starts configured for one
machine (infra/local/postgres.py)."""

from __future__ import annotations

import os

import psycopg
import pytest


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="another server: its configuration is its own")
def test_a_new_embedded_server_reads_pages_itself_instead_of_through_io_workers(database_url: str) -> None:
    # Retrieval's p99 at 100k chunks depends on it (bench/rag_latency.py, docs/knowledge.md).
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SHOW io_method").fetchone() == ("sync",)
