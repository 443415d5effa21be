"""`python -m infra.local` (`make dev`): the whole product on this machine, until Ctrl-C."""

from __future__ import annotations

import sys

from infra.functions import LAYER_PYTHON_DIR


def main() -> int:
    # The common layer's package, found where Lambda finds it: on the path, not installed.
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from infra.local.stack import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
