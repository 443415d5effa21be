"""One synthesis per environment for the whole infra suite (a synth takes seconds): every module
reads its templates from these, through its own module-scoped fixtures.

Bundling is skipped (`aws:cdk:bundling-stacks` = []), so the suite is fast and offline; `make synth`
(npx cdk synth) bundles the layer for real. cdk-nag runs on these syntheses exactly as on the CLI's:
an unacknowledged finding makes the synth, and so every test here, fail.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App  # after the environment above: jsii reads it at start
from aws_cdk.assertions import Template

from infra.app import EnvironmentStacks, build_app
from infra.functions import ROOT

TEST_NONCE = "test-deploy-nonce"


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


def cdk_context(env: str, **overrides: Any) -> dict[str, Any]:
    """cdk.json's context as the CLI would pass it, for one environment, without bundling."""
    return {
        **cdk_json_context(),
        "env": env,
        "aws:cdk:bundling-stacks": [],
        "deployNonce": TEST_NONCE,
        **overrides,
    }


@dataclass(frozen=True)
class Synthesized:
    app: App
    stacks: EnvironmentStacks
    outdir: Path

    @property
    def network(self) -> Template:
        return Template.from_stack(self.stacks.network)

    @property
    def data(self) -> Template:
        return Template.from_stack(self.stacks.data)

    @property
    def app_stack(self) -> Template:
        return Template.from_stack(self.stacks.app)


@cache
def synthesize(env: str) -> Synthesized:
    outdir = Path(tempfile.mkdtemp(prefix=f"chatflow360-cdk-{env}-"))
    # Assets are copied into it (BucketDeployment's AWS CLI layer alone is 22 MB): gone at exit.
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    app, stacks = build_app(cdk_context(env), outdir=str(outdir))
    app.synth()
    return Synthesized(app=app, stacks=stacks, outdir=outdir)


@pytest.fixture(scope="session")
def dev() -> Synthesized:
    return synthesize("dev")


@pytest.fixture(scope="session")
def prod() -> Synthesized:
    return synthesize("prod")
