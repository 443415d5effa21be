"""The `common` Lambda layer: its Python packages (`chatflow`, the domain, and `chatflow_edge`, its
HTTP edge) plus their pinned requirements, built for the Lambda platform (Python 3.12 on arm64) by
pip on this machine, so that neither Docker nor an arm64 machine is needed to synthesize.

The layer and each function's code ship their bytecode, compiled by a CPython 3.12 (the runtime's
version) into unchecked-hash .pyc files: Lambda's file system is read-only, so without them every
cold start compiled every module it imported again (bench/cold_start.py's 'from source' column: some
0.3-0.6 s of CPU per function here, ~0.9 s for dashboard_api). Unchecked-hash files hold a hash of their
source instead of its time stamp, so the same source gives the same bytes, and the importer reads them
without looking at the source's time stamp (Lambda's are those of the zip).

Lambda refuses a function whose code and layers hold more than 262,144,000 bytes unzipped; lingua's
English-and-Spanish detector alone is 100 MB (its wheel holds every language's models). So the layer
leaves out the AWS SDK, which the runtime ships, and babel's locales but English and Spanish; a build
over its budget fails here, naming its largest packages, instead of at deploy time."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.functions import ROOT

__all__ = [
    "FUNCTION_CODE_BUDGET_BYTES",
    "LAMBDA_UNZIPPED_LIMIT_BYTES",
    "LAYER_BUDGET_BYTES",
    "LAYER_DIR",
    "PIP_PLATFORM_ARGS",
    "CommonLayer",
    "FunctionBundling",
    "PipLayerBundling",
    "check_size",
    "compile_bytecode",
    "function_code",
    "keep_locales",
    "layer_packages",
    "layer_source_hash",
    "leave_out_runtime_provided",
    "runtime_python",
]

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
RUNTIME_PYTHON_VERSION = "3.12"
# Bumped by hand when the build below changes in a way the source hash cannot see (2: bytecode;
# 3: the SDK and most of babel's locales left out).
_BUILD_VERSION = "3"
_IGNORED = ("__pycache__", "*.pyc", ".DS_Store")
_FUNCTION_IGNORED = (*_IGNORED, "*.md", ".*")


@functools.cache  # one probe per synth, not one per function bundled
def runtime_python() -> str:
    """A CPython of the runtime's version (3.12) to compile bytecode with: $LAYER_PYTHON if set, else
    `python3.12` on the PATH, else one installed by pyenv. The bytecode of another version would be
    ignored by Lambda's interpreter (its magic number differs)."""
    candidates = [os.environ.get("LAYER_PYTHON"), shutil.which(f"python{RUNTIME_PYTHON_VERSION}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [
        str(path) for path in sorted(pyenv_root.glob(f"versions/{RUNTIME_PYTHON_VERSION}.*/bin/python3"), reverse=True)
    ]
    for candidate in filter(None, candidates):
        # S603: an interpreter's own path, no shell; a pyenv shim of an inactive version fails here.
        probe = subprocess.run(  # noqa: S603
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == RUNTIME_PYTHON_VERSION:
            return candidate
    raise RuntimeError(
        f"building the Lambda code needs a CPython {RUNTIME_PYTHON_VERSION} to compile its bytecode for the "
        f"runtime: none found (tried LAYER_PYTHON, python{RUNTIME_PYTHON_VERSION} on the PATH and pyenv's "
        f"versions); set LAYER_PYTHON to one"
    )


def compile_bytecode(tree: Path, runtime_dir: str, python: str | None = None) -> None:
    """Every .py file under `tree` compiled by the runtime's Python into an unchecked-hash .pyc beside it
    (`__pycache__/<name>.cpython-312.pyc`, what a plain, unoptimised `python3.12` reads), naming its
    source as it lies in Lambda, `tree` being `runtime_dir` there: the build's own temporary folder
    would make every build's bytes differ, and tracebacks point nowhere."""
    command = [
        python or runtime_python(),
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(tree),
        "-p",
        runtime_dir,
        str(tree),
    ]
    # S603: a fixed command line made of our own paths, no shell.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"compiling the bytecode of {tree} failed:\n{result.stdout}\n{result.stderr}")


# Lambda refuses a function whose code and layers hold more than this, unzipped.
LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000
# What a function's own code may hold (dashboard_api's, the largest, is ~0.5 MB), and the layer the rest.
FUNCTION_CODE_BUDGET_BYTES = 2_000_000
LAYER_BUDGET_BYTES = LAMBDA_UNZIPPED_LIMIT_BYTES - FUNCTION_CODE_BUDGET_BYTES
# The AWS SDK for Python, which the Lambda runtime ships (and keeps patched): pinned for the tests and
# the local stack, left out of the layer, where it would be 33 MB of the budget.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
# babel (courlan's, trafilatura's) holds the locale data of every language, 35 MB; courlan reads it only
# to filter URLs by a language, which the crawl does not ask for. These locales stay, in case it does.
KEPT_LOCALES = ("root", "en", "es")


def leave_out_runtime_provided(target: Path) -> None:
    """Removes the packages RUNTIME_PROVIDED (and their metadata) that pip put under `target`."""
    for name in RUNTIME_PROVIDED:
        shutil.rmtree(target / name, ignore_errors=True)
        for metadata in target.glob(f"{name}-*.dist-info"):
            shutil.rmtree(metadata)


def keep_locales(target: Path) -> None:
    """babel's locale data of KEPT_LOCALES only (`en.dat`, `en_US.dat`, `root.dat`…)."""
    for data in (target / "babel" / "locale-data").glob("*.dat"):
        if data.stem.split("_", 1)[0] not in KEPT_LOCALES:
            data.unlink()


def check_size(target: Path, budget: int, what: str) -> None:
    """Refuses a build over its share of Lambda's limit, naming its largest parts: Lambda would refuse
    every function at deploy time instead."""
    sizes: dict[str, int] = {}
    for path in target.rglob("*"):
        if path.is_file() and not path.is_symlink():
            top = path.relative_to(target).parts[0]
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    total = sum(sizes.values())
    if total > budget:
        largest = ", ".join(
            f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items(), key=lambda s: -s[1])[:8]
        )
        raise RuntimeError(
            f"{what} holds {total / 1e6:.1f} MB, over its budget of {budget / 1e6:.1f} MB (Lambda's limit is "
            f"{LAMBDA_UNZIPPED_LIMIT_BYTES:,} bytes for a function and its layers); largest: {largest}"
        )


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
        python = runtime_python()  # before pip's minutes: a machine without it fails at once
        target = Path(output_dir) / "python"
        self.install_requirements(target)
        leave_out_runtime_provided(target)
        keep_locales(target)
        for package in layer_packages(self._layer_dir):
            shutil.copytree(
                package, target / package.name, ignore=shutil.ignore_patterns(*_IGNORED), dirs_exist_ok=True
            )
        compile_bytecode(target, "/opt/python", python)  # where Lambda mounts a layer's python/
        check_size(target, LAYER_BUDGET_BYTES, "the common layer")
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
            "--no-compile",  # this interpreter's (3.11) .pyc would be useless to 3.12: compile_bytecode makes 3.12's
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


@jsii.implements(cdk.ILocalBundling)
class FunctionBundling:
    """A function's folder (functions/<name>/) copied with its bytecode compiled for the runtime."""

    def __init__(self, source: Path) -> None:
        self._source = source

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_options: object) -> bool:
        shutil.copytree(self._source, output_dir, ignore=shutil.ignore_patterns(*_FUNCTION_IGNORED), dirs_exist_ok=True)
        compile_bytecode(Path(output_dir), "/var/task")  # where Lambda unpacks a function's code
        check_size(Path(output_dir), FUNCTION_CODE_BUDGET_BYTES, f"the code of function {self._source.name}")
        return True


def function_code(source: Path) -> lambda_.Code:
    """A function's code asset: its folder, less bytecode, docs and dotfiles, with the runtime's bytecode
    (hashed on its source and the build recipe, like the layer, so that an unchanged function is not
    republished)."""
    digest = hashlib.sha256(f"{_BUILD_VERSION}|function".encode())
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        ignored = any(fnmatch(part, pattern) for part in relative.parts for pattern in _FUNCTION_IGNORED)
        if path.is_file() and not ignored:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return lambda_.Code.from_asset(
        str(source),
        exclude=[*_FUNCTION_IGNORED],
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=digest.hexdigest(),
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"), local=FunctionBundling(source)
        ),
    )


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
