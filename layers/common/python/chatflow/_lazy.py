"""Package attributes imported on first use (PEP 562), so that importing one light part of a
package does not import all of it.

A package's `__init__` re-exports its public names for its callers' convenience; done eagerly,
`from chatflow.realtime import connections` (two SQL helpers) also imported the inbox's models and
the publisher, and every Lambda paid that at its cold start whether it published or not. With
`lazy_attributes`, the package names what lives where; the module that holds a name is imported the
first time someone reads it, and the value is then kept on the package like any other attribute.
Type checkers read the same names from an `if TYPE_CHECKING:` import beside it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for `package` that imports `name` from `where[name]`."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # read once; afterwards a plain attribute
        return value

    return __getattr__
