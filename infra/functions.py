"""Loads a function's `lambda_handler` the way Lambda does: its folder as the code root and the
common layer's `python/` on sys.path."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FUNCTIONS_DIR", "LAYER_PYTHON_DIR", "ROOT", "Handler", "load_handler"]

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
LAYER_PYTHON_DIR = ROOT / "layers" / "common" / "python"

Handler = Callable[[dict[str, Any], Any], Any]

_loaded: dict[str, Handler] = {}
_lock = threading.Lock()


def load_handler(function: str) -> Handler:
    """`functions/<function>/handler.py`'s lambda_handler, imported once per process."""
    with _lock:
        if function not in _loaded:
            if str(LAYER_PYTHON_DIR) not in sys.path:
                sys.path.insert(0, str(LAYER_PYTHON_DIR))
            path = FUNCTIONS_DIR / function / "handler.py"
            # Lambda puts the function's folder on sys.path: its own modules (the dashboard API's
            # app and routers) import as top-level names there, and so they do here.
            if str(path.parent) not in sys.path:
                sys.path.append(str(path.parent))
            # Every function's module is named handler.py; give each its own name in sys.modules.
            spec = importlib.util.spec_from_file_location(f"chatflow_functions.{function}.handler", path)
            if spec is None or spec.loader is None:
                raise LookupError(f"no function {function!r} at {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            _loaded[function] = module.lambda_handler
        return _loaded[function]
