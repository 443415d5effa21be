"""A pytest plugin: no secret in any log line of the whole suite.

Every test's captured stdout, stderr and log records (the functions' JSON logs, the local gateway's,
moto's) are scanned as each test ends, and so is anything a fixture hands over (the local stack's
log). A secret is a value the suite knows to be one — the encryption key, the test users' password,
any environment variable named like a key, secret, password or token, values registered by a
fixture — or text shaped like one (a JWT, an OpenAI-style key). A finding fails the session; the
report names the test and the kind of secret, never the secret itself.

Under pytest-xdist each worker scans what its own tests and fixtures produced (it alone knows the
secrets they registered or set) and hands its findings and counts to the controller, which fails the
session and prints the summary.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

__all__ = ["SecretScanner", "register_secret", "scan_text", "scanner"]

# Shapes of secrets: a signed JWT (access, ID tokens) and an API key like OpenAI's. The key hint
# the product shows ("sk-...abcd") does not match: it has no run of 20 key characters.
_SHAPES = {
    "a JWT": re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}"),
    "an API key": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
}
_SECRET_ENV = re.compile(r"KEY|SECRET|PASSWORD|TOKEN", re.IGNORECASE)
# Names that match the pattern but hold no secret: where a secret lives, not what it is.
_NOT_SECRET_ENV = re.compile(r"_ARN$|_ID$|_URL$|_PATH$|_FILE$|^POWERTOOLS_")
_MIN_SECRET_CHARS = 8


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str


@dataclass
class SecretScanner:
    known: dict[str, str] = field(default_factory=dict)  # value -> what it is
    findings: list[Finding] = field(default_factory=list)
    scanned_bytes: int = 0
    scanned_sections: int = 0
    workers_known: set[str] = field(default_factory=set)  # digests, from xdist's workers

    def register(self, value: str | None, what: str) -> None:
        if value and len(value) >= _MIN_SECRET_CHARS:
            self.known[value] = what

    def register_environment(self) -> None:
        for name, value in os.environ.items():
            if _SECRET_ENV.search(name) and not _NOT_SECRET_ENV.search(name):
                self.register(value, f"${name}")

    def summary(self) -> dict[str, Any]:
        """What a worker hands to the controller: findings, counts, and digests of the known secrets."""
        return {
            "findings": [[f.where, f.kind] for f in self.findings],
            "bytes": self.scanned_bytes,
            "sections": self.scanned_sections,
            "known": sorted(_digest(value) for value in self.known),
        }

    def merge(self, summary: dict[str, Any]) -> None:
        self.findings += [Finding(where, kind) for where, kind in summary["findings"]]
        self.scanned_bytes += summary["bytes"]
        self.scanned_sections += summary["sections"]
        self.workers_known.update(summary["known"])

    def known_count(self) -> int:
        return len(self.workers_known | {_digest(value) for value in self.known})

    def scan(self, text: str, where: str) -> list[Finding]:
        found = [Finding(where, what) for value, what in self.known.items() if value in text]
        found += [Finding(where, kind) for kind, shape in _SHAPES.items() if shape.search(text)]
        self.findings += found
        self.scanned_bytes += len(text)
        self.scanned_sections += 1
        return found


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


scanner = SecretScanner()


def register_secret(value: str | None, what: str) -> None:
    """A secret a fixture made (a generated password, a stored API key) that logs must not show."""
    scanner.register(value, what)


def scan_text(text: str, where: str) -> None:
    """Output captured outside pytest (a child process's log), scanned like a test's."""
    scanner.scan(text, where)


def pytest_configure(config: pytest.Config) -> None:
    from tests.support.people import PASSWORD

    scanner.register(PASSWORD, "the test users' password")
    scanner.register_environment()


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if hasattr(report, "node"):  # xdist's controller, told of a test a worker ran and scanned
        return
    # While the test's own environment (monkeypatched keys) is still in place.
    scanner.register_environment()
    for title, text in report.sections:
        scanner.scan(text, f"{report.nodeid} ({title})")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """xdist's controller: a worker is done; what it found counts as found here."""
    summary = getattr(node, "workeroutput", {}).get("secret_scan")
    if summary is not None:
        scanner.merge(summary)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput["secret_scan"] = scanner.summary()
        return
    if scanner.findings and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if scanner.findings:
        terminalreporter.section("secrets in logs", red=True)
        for finding in dict.fromkeys(scanner.findings):
            terminalreporter.line(f"{finding.kind} in the output of {finding.where}", red=True)
        return
    terminalreporter.line(
        f"secret scan: {scanner.scanned_sections} captured outputs, {scanner.scanned_bytes / 1e6:.1f} MB, "
        f"{scanner.known_count()} known secrets and {len(_SHAPES)} shapes: none found"
    )
