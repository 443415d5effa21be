"""The common layer is built by pip for Lambda's platform (cp312, aarch64), without Docker, and ships
its bytecode compiled by the runtime's Python, like every function's code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.constructs.layer import (
    FUNCTION_CODE_BUDGET_BYTES,
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    LAYER_BUDGET_BYTES,
    LAYER_DIR,
    FunctionBundling,
    PipLayerBundling,
    check_size,
    layer_packages,
    layer_source_hash,
    runtime_python,
)
from infra.functions import FUNCTIONS_DIR


def _runtime_python_or_skip() -> str:
    try:
        return runtime_python()
    except RuntimeError as missing:
        pytest.skip(str(missing))


def _unchecked_hash_pyc_of(source: Path) -> bytes:
    """The bytes of `source`'s CPython 3.12 .pyc, after checking it is an unchecked-hash one."""
    pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"
    data = pyc.read_bytes()
    magic_3_12 = (3531).to_bytes(2, "little") + b"\r\n"
    assert data[:4] == magic_3_12
    assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, source not checked
    return data


def _bundled_layer(layer_dir: Path, tmp_path: Path) -> Path:
    """The layer of `layer_dir` bundled into `<tmp_path>/out`, skipped where no CPython 3.12 is found."""
    _runtime_python_or_skip()
    output = tmp_path / "out"
    PipLayerBundling(layer_dir).try_bundle(str(output), image=cdk.DockerImage.from_registry("unused"))
    return output


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
    real_run = subprocess.run

    def fake_run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        if command[1:4] != ["-m", "pip", "install"]:
            return real_run(command, **options)  # the runtime's Python: finding it, compiling
        runs.append(command)
        target = Path(command[command.index("--target") + 1])
        for package in ("pydantic", "boto3", "botocore", "babel"):
            (target / package).mkdir(parents=True)
            (target / package / "__init__.py").write_text("VERSION = '1.0'\n", encoding="utf-8")
            (target / f"{package}-1.0.dist-info").mkdir()
        (target / "babel" / "locale-data").mkdir()
        for locale in ("root", "en", "en_US", "es", "es_419", "fr", "zh_Hant_HK"):
            (target / "babel" / "locale-data" / f"{locale}.dat").write_bytes(b"\0")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    return runs


def test_pip_installs_the_pins_as_cp312_aarch64_wheels_into_python(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    _runtime_python_or_skip()
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


def test_the_layer_ships_the_runtimes_unchecked_hash_bytecode_and_not_this_machines(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    output = _bundled_layer(layer_dir, tmp_path)

    assert (output / "python" / "chatflow" / "__init__.py").is_file()
    _unchecked_hash_pyc_of(output / "python" / "chatflow" / "__init__.py")
    _unchecked_hash_pyc_of(output / "python" / "pydantic" / "__init__.py")  # the requirements' too
    assert not list(output.rglob("*.cpython-311.pyc"))


def test_the_layer_leaves_out_the_aws_sdk_that_the_runtime_ships(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    output = _bundled_layer(layer_dir, tmp_path)

    shipped = {path.name for path in (output / "python").iterdir()}
    assert not shipped & {"boto3", "botocore", "boto3-1.0.dist-info", "botocore-1.0.dist-info"}
    assert {"pydantic", "pydantic-1.0.dist-info"} <= shipped


def test_the_layer_keeps_babels_english_and_spanish_locales_only(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    output = _bundled_layer(layer_dir, tmp_path)

    kept = sorted(path.stem for path in (output / "python" / "babel" / "locale-data").iterdir())
    assert kept == ["en", "en_US", "es", "es_419", "root"]


def test_a_layer_over_its_share_of_lambdas_limit_fails_the_build_naming_its_largest_package(tmp_path: Path) -> None:
    (tmp_path / "lingua").mkdir()
    (tmp_path / "lingua" / "models.so").write_bytes(b"\0" * 3_000)
    (tmp_path / "pydantic").mkdir()
    (tmp_path / "pydantic" / "__init__.py").write_bytes(b"\0" * 500)

    check_size(tmp_path, 3_500, "the common layer")  # at its budget: fine
    with pytest.raises(RuntimeError, match=r"the common layer holds 0\.0 MB, over .*largest: lingua"):
        check_size(tmp_path, 3_499, "the common layer")


def test_the_budgets_of_the_layer_and_of_a_function_add_up_to_lambdas_limit() -> None:
    assert LAYER_BUDGET_BYTES + FUNCTION_CODE_BUDGET_BYTES == LAMBDA_UNZIPPED_LIMIT_BYTES == 262_144_000


def test_the_same_source_gives_the_same_bytecode(layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path) -> None:
    _runtime_python_or_skip()
    first, second = tmp_path / "first", tmp_path / "second"
    PipLayerBundling(layer_dir).try_bundle(str(first), image=cdk.DockerImage.from_registry("unused"))
    (layer_dir / "python" / "chatflow" / "__init__.py").touch()  # a new time stamp, the same source
    PipLayerBundling(layer_dir).try_bundle(str(second), image=cdk.DockerImage.from_registry("unused"))

    assert _unchecked_hash_pyc_of(first / "python" / "chatflow" / "__init__.py") == _unchecked_hash_pyc_of(
        second / "python" / "chatflow" / "__init__.py"
    )


def test_a_function_ships_its_handler_with_the_runtimes_bytecode_and_without_docs(tmp_path: Path) -> None:
    _runtime_python_or_skip()
    output = tmp_path / "out"
    output.mkdir()

    assert FunctionBundling(FUNCTIONS_DIR / "dashboard_api").try_bundle(
        str(output), image=cdk.DockerImage.from_registry("unused")
    )

    _unchecked_hash_pyc_of(output / "handler.py")
    _unchecked_hash_pyc_of(output / "routers" / "__init__.py")
    assert not list(output.rglob("*.md"))
    assert not list(output.rglob("*.cpython-311.pyc"))


def test_every_package_beside_chatflow_is_copied_too(
    layer_dir: Path, pip_runs: list[list[str]], tmp_path: Path
) -> None:
    _runtime_python_or_skip()
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
    _runtime_python_or_skip()
    real_run = subprocess.run

    def failing_run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        if command[1:4] != ["-m", "pip", "install"]:
            return real_run(command, **options)
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
