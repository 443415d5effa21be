"""A function's cold start, made cheaper: each handler imports this module before anything else and
calls `finished()` after its last import.

- The cyclic collector waits while the handler's imports run (it would scan the growing heap again
  and again: 5-45 ms of CPU per function here), and what they built is then frozen out of its reach:
  it lives as long as the process (docs/benchmarks.md).
- No pydantic plugin is used: without PYDANTIC_DISABLE_PLUGINS, the first model built reads every
  installed package's entry points to look for one (10-17 ms of CPU here).
"""

import gc
import os

__all__ = ["finished"]

gc.disable()
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def finished() -> None:
    """The end of the handler's imports: what they built lives as long as the process."""
    gc.freeze()
    gc.enable()
