"""The common layer is built by pip for Lambda's platform (cp312, aarch64), without Docker."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.constructs.layer import LAYER_DIR, PipLayerBundling, layer_packages, layer_source_hash


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    source = tmp_path / "common"
    (source / "python" / "chatflow" / "__pycache__").mkdir(parents=True)
    (source / "requirements.txt").write_text("pydantic==2.14.4\n", encoding="utf-8")
    (source / "python" / "chatflow" / "__init__.py").write_text('"""chatflow"""\n', encoding="utf-8")
    (source / "python" / "chatflow" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    return source


@pytest.fixture
def pip_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """pip's command lines, recorded instead of run."""
    runs: list[list[str]] = []

    def fake_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        runs.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pydantic").mkdir(parents=True)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    return runs


def test_pip_installs_the_pins_as_cp312_aarch64_wheels_into_python(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    output = tmp_path / "out"

    assert PipLayerBundling(layer_dir).try_bundle(str(output), image=cdk.DockerImage.from_registry("unused"))

    [command] = pip_runs
    assert command[1:4] == ["-m", "pip", "install"]
    assert command[command.index("--requirement") + 1] == str(layer_dir / "requirements.txt")
    assert command[command.index("--target") + 1] == str(output / "python")
    assert command[command.index("--python-version") + 1] == "3.12"
    assert "manylinux2014_aarch64" in command
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command  # this interpreter's .pyc would be useless to 3.12


def test_the_chatflow_package_is_copied_without_bytecode(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    output = tmp_path / "out"
    PipLayerBundling(layer_dir).try_bundle(str(output), image=cdk.DockerImage.from_registry("unused"))

    assert (output / "python" / "chatflow" / "__init__.py").is_file()
    assert not (output / "python" / "chatflow" / "__pycache__").exists()
    assert (output / "python" / "pydantic").is_dir()


def test_every_package_beside_chatflow_is_copied_too(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    (layer_dir / "python" / "chatflow_edge").mkdir()
    (layer_dir / "python" / "chatflow_edge" / "__init__.py").write_text('"""edge"""\n', encoding="utf-8")
    output = tmp_path / "out"
    PipLayerBundling(layer_dir).try_bundle(str(output), image=cdk.DockerImage.from_registry("unused"))

    assert (output / "python" / "chatflow_edge" / "__init__.py").is_file()
    assert (output / "python" / "chatflow" / "__init__.py").is_file()


def test_the_real_layer_holds_the_domain_and_its_edge() -> None:
    assert [package.name for package in layer_packages()] == ["chatflow", "chatflow_edge"]


def test_a_failing_pip_fails_the_synth_with_its_output(
    layer_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def failing_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "No matching distribution found for pydantic")

    monkeypatch.setattr(subprocess, "run", failing_run)

    with pytest.raises(RuntimeError, match="No matching distribution"):
        PipLayerBundling(layer_dir).try_bundle(str(tmp_path / "out"), image=cdk.DockerImage.from_registry("unused"))


def test_the_asset_hash_follows_the_source_and_ignores_bytecode(layer_dir: Path) -> None:
    before = layer_source_hash(layer_dir)
    (layer_dir / "python" / "chatflow" / "__pycache__" / "other.cpython-311.pyc").write_bytes(b"\1")
    assert layer_source_hash(layer_dir) == before

    (layer_dir / "requirements.txt").write_text("pydantic==2.14.5\n", encoding="utf-8")
    assert layer_source_hash(layer_dir) != before


def test_the_asset_hash_of_the_real_layer_is_reproducible(tmp_path: Path) -> None:
    copy = tmp_path / "common"
    shutil.copytree(LAYER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))

    assert layer_source_hash(copy) == layer_source_hash(LAYER_DIR)
