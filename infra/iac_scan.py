"""`make iac-scan`: checkov's CloudFormation checks on the synthesized templates of both environments,
a policy suite nobody here wrote, as a second opinion beside cdk-nag. Prints the count of failed and
passed checks per environment, and the failures (check id, resource, name); `--fail` exits 1 when
anything failed. Not part of `make test`: checkov and its dependencies are some 300 MB, kept in
.venv-iac (requirements-iac.txt).

A finding that is noise for this design is skipped in the resource's own metadata, with the reason,
checkov's mechanism (as cdk-nag's acknowledgements are): `Metadata.checkov.skip: [{id, comment}]`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.functions import ROOT

__all__ = ["main", "scan"]

ENVIRONMENTS = ("dev", "prod")


def _synthesize(env: str, outdir: Path) -> list[Path]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app

    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    app, _ = build_app({**context, "env": env, "aws:cdk:bundling-stacks": []}, outdir=str(outdir))
    app.synth()
    return sorted(outdir.glob("*.template.json"))


def scan(checkov: str, env: str) -> dict[str, Any]:
    """Checkov's summary and failed checks for one environment's templates."""
    outdir = Path(tempfile.mkdtemp(prefix=f"chatflow360-iac-{env}-"))
    try:
        templates = _synthesize(env, outdir)
        args = [checkov, "--framework", "cloudformation", "--output", "json", "--quiet", "--compact"]
        for template in templates:
            args += ["--file", str(template)]
        run = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603  # our own argv
        reports = json.loads(run.stdout or "[]")
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    if isinstance(reports, dict):
        reports = [reports]
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    skipped = sum(r.get("summary", {}).get("skipped", 0) for r in reports)
    failures = [
        (c["check_id"], c.get("resource", ""), c.get("check_name", ""))
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    return {"env": env, "passed": passed, "skipped": skipped, "failed": len(failures), "failures": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--checkov", default=str(ROOT / ".venv-iac" / "bin" / "checkov"))
    parser.add_argument("--fail", action="store_true", help="exit 1 when any check failed")
    args = parser.parse_args(argv)
    failed = 0
    for env in ENVIRONMENTS:
        result = scan(args.checkov, env)
        failed += result["failed"]
        for check_id, resource, name in sorted(result["failures"]):
            sys.stdout.write(f"  {env}  {check_id}  {resource}  {name}\n")
        sys.stdout.write(
            f"checkov ({env}): {result['failed']} failed, {result['passed']} passed, {result['skipped']} skipped\n"
        )
    return 1 if args.fail and failed else 0


if __name__ == "__main__":
    sys.exit(main())
