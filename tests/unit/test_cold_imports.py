"""What a function leaves out of its cold start: code that its requests never use, or that only some
of them use and import when they do (figures: bench/cold_start.py, docs/benchmarks.md). Each case is
a module that was once imported at start-up and cost milliseconds there."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.functions import ROOT

LEFT_OUT = [
    # a visitor's socket needs no token verifier (PyJWT, cryptography); an operator's imports it
    ("realtime", "jwt"),
    # the receiver only checks the signature and queues: the pipeline runs in meta_inbound
    ("meta_webhooks", "chatflow.meta.service"),
    # the widget's reads and closes have their own repository, apart from the chat pipeline's
    ("close", "chatflow.conversations.repository"),
    ("history", "chatflow.conversations.repository"),
    # the widget's config reads through channels.widget, not the operators' channel service
    ("widget_config", "chatflow.channels.service"),
    # a transcript by email needs neither the exports nor the inbox's filters
    ("chat_transcript", "chatflow.transcripts.export"),
    # only an agent's upload, which the dashboard API confirms, touches the inbox
    ("attachments", "chatflow.inbox"),
    # writing a visitor's message needs the message writes, not the chat pipeline's context read
    ("attachments", "chatflow.conversations.repository"),
    ("chat_offline", "chatflow.conversations.repository"),
]


@pytest.mark.parametrize(("function", "module"), LEFT_OUT, ids=[f"{f}-{m}" for f, m in LEFT_OUT])
def test_a_functions_cold_start_leaves_out_what_its_requests_do_not_use(function: str, module: str) -> None:
    code = (
        "import sys; from infra.functions import load_handler; "
        f"load_handler({function!r}); print({module!r} in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"POWERTOOLS_TRACE_DISABLED": "1", "PATH": "/usr/bin:/bin"},
    )

    assert done.stdout.strip() == "False"
