"""cdk-nag's AWS Solutions rules run on every synth, and an unacknowledged finding fails it."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from infra.constructs.nag import acknowledge
from tests.infra.conftest import Synthesized


def _stack_with_an_unencrypted_queue() -> tuple[cdk.App, sqs.Queue]:
    app = cdk.App()
    stack = cdk.Stack(app, "Probe")
    queue = sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.UNENCRYPTED)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, queue


def test_both_environments_synthesize_with_every_finding_acknowledged(dev: Synthesized, prod: Synthesized) -> None:
    # The fixtures synthesized both apps with AwsSolutionsChecks: any unacknowledged finding raised.
    for synth in (dev, prod):
        assert (synth.outdir / "manifest.json").is_file()


def test_an_unacknowledged_finding_fails_the_synth() -> None:
    app, _ = _stack_with_an_unencrypted_queue()

    with pytest.raises(RuntimeError, match=r"AwsSolutions-SQS2"):
        app.synth()


def test_acknowledged_findings_let_the_synth_through() -> None:
    app, queue = _stack_with_an_unencrypted_queue()
    for rule in ("AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"):
        acknowledge(queue, rule, "a probe for this test")

    assert app.synth().get_stack_by_name("Probe").template


def test_an_acknowledgement_needs_a_reason() -> None:
    _, queue = _stack_with_an_unencrypted_queue()

    with pytest.raises(ValueError, match="needs a reason"):
        acknowledge(queue, "AwsSolutions-SQS2", " ")
