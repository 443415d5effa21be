"""The `common` Lambda layer: its Python packages (`chatflow`, the domain, and `chatflow_edge`, its
HTTP edge) plus their pinned requirements, built for the Lambda platform (Python 3.12 on arm64) by
pip on this machine, so that neither Docker nor an arm64 machine is needed to synthesize."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.functions import ROOT

__all__ = ["LAYER_DIR", "PIP_PLATFORM_ARGS", "CommonLayer", "PipLayerBundling", "layer_packages", "layer_source_hash"]

LAYER_DIR = ROOT / "layers" / "common"
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64

# Wheels only, for CPython 3.12 on aarch64 glibc. Lambda's python3.12 runs on Amazon Linux 2023
# (glibc 2.34), so manylinux_2_28 wheels run there too; psycopg-binary 3.3 publishes nothing older.
PIP_PLATFORM_ARGS: tuple[str, ...] = (
    "--platform",
    "manylinux2014_aarch64",
    "--platform",
    "manylinux_2_28_aarch64",
    "--only-binary=:all:",
    "--python-version",
    "3.12",
    "--implementation",
    "cp",
)
# Bumped by hand when the build below changes in a way the source hash cannot see.
_BUILD_VERSION = "1"
_IGNORED = ("__pycache__", "*.pyc", ".DS_Store")


def layer_packages(layer_dir: Path = LAYER_DIR) -> list[Path]:
    """The packages under `python/` (each a folder with an `__init__.py`), every one of which goes into
    the layer: a new package beside `chatflow` needs no change here."""
    return sorted(path.parent for path in (layer_dir / "python").glob("*/__init__.py"))


def layer_source_hash(layer_dir: Path = LAYER_DIR) -> str:
    """What the layer is built from: the pins, the package's files and the build recipe.

    A hash of the source rather than of pip's output: pip's output is not byte-for-byte
    reproducible (RECORD files, timestamps), and a new hash would republish the layer — and so
    every function — on every deploy.
    """
    digest = hashlib.sha256()
    digest.update(f"{_BUILD_VERSION}|{' '.join(PIP_PLATFORM_ARGS)}".encode())
    files = [layer_dir / "requirements.txt"]
    files += sorted(
        path
        for path in (layer_dir / "python").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    for path in files:
        digest.update(path.relative_to(layer_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class PipLayerBundling:
    """Builds the layer with this machine's pip into `<output>/python/` (Lambda's layer layout)."""

    def __init__(self, layer_dir: Path = LAYER_DIR) -> None:
        self._layer_dir = layer_dir

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_options: object) -> bool:
        target = Path(output_dir) / "python"
        self.install_requirements(target)
        for package in layer_packages(self._layer_dir):
            shutil.copytree(
                package, target / package.name, ignore=shutil.ignore_patterns(*_IGNORED), dirs_exist_ok=True
            )
        # True: bundled here, so the CDK never falls back to Docker.
        return True

    def install_requirements(self, target: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",  # .pyc made by this interpreter (3.11) would be useless to 3.12
            "--requirement",
            str(self._layer_dir / "requirements.txt"),
            "--target",
            str(target),
            *PIP_PLATFORM_ARGS,
        ]
        # S603: a fixed command line made of our own paths, no shell.
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"building the common layer failed:\n{result.stdout}\n{result.stderr}")


# One instance for the whole app: the CDK caches a bundled asset by its options, and a second
# instance would look like different options and build the layer twice.
_BUNDLING = PipLayerBundling()


class CommonLayer(Construct):
    """`layers/common` as a LayerVersion for Python 3.12 on arm64."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer_version = lambda_.LayerVersion(
            self,
            "Layer",
            description="chatflow and chatflow_edge packages and their pinned requirements",
            code=lambda_.Code.from_asset(
                str(LAYER_DIR),
                asset_hash_type=cdk.AssetHashType.CUSTOM,
                asset_hash=layer_source_hash(),
                bundling=cdk.BundlingOptions(
                    # Required by the API but never pulled: local bundling always answers. A
                    # machine without pip would have no way to run this app anyway.
                    image=cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"),
                    local=_BUNDLING,
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
