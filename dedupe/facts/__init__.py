"""Facts stage: typed facts (person names, dates, quantities) with spans into the document text.

Each fact is located in one content passage of one document; all offsets are document offsets.
Names are read over the whole document (a surname is recognised once its full name has been
seen), dates are resolved against the document's publication time, and every date is attached
to the action it dates (a meeting, a statement, a strike...) so that only like is compared.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import pickle
import sqlite3
import struct
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import polars as pl

from dedupe.facts.dates import DateMention, extract_dates, scan_words
from dedupe.facts.names import NameMention, extract_names
from dedupe.facts.numbers import Quantity, extract_quantities
from dedupe.facts.tokens import TokenFields, token_fields, vocabulary
from dedupe.models import Corpus, parse_published
from dedupe.parallel import map_items
from dedupe.text import normalize, sentence_spans

T = TypeVar("T")

# Actions a date can be attached to: general news vocabulary, in matching form.
ACTIONS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "اجتماع",
        "اجتماعات",
        "اجتماعا",
        "يجتمع",
        "اجتمع",
        "تجتمع",
        "سيجتمع",
        "اجتمعوا",
        "التقي",
        "يلتقي",
        "تلتقي",
        "التقيا",
        "التقوا",
        "لقاء",
        "لقاءات",
        "محادثات",
        "مباحثات",
        "مفاوضات",
        "جوله",
        "قمه",
        "زياره",
        "زار",
        "يزور",
        "جلسه",
        "مشاورات",
        "تستانف",
        "يستانف",
        "talks",
        "meeting",
        "met",
        "meet",
        "meets",
        "summit",
        "visit",
        "visited",
        "negotiations",
    ),
    "statement": (
        "قال",
        "قالت",
        "اعلن",
        "اعلنت",
        "اكد",
        "اكدت",
        "صرح",
        "اوضح",
        "اضاف",
        "ذكر",
        "بيان",
        "تصريحات",
        "كتب",
        "حذر",
        "said",
        "says",
        "announced",
        "stated",
        "statement",
        "told",
    ),
    "attack": (
        "هجوم",
        "هجمات",
        "ضربه",
        "ضربات",
        "غاره",
        "غارات",
        "قصف",
        "استهدف",
        "استهدفت",
        "انفجار",
        "اطلقت",
        "اطلق",
        "attack",
        "attacks",
        "strike",
        "strikes",
        "raid",
        "shelling",
        "launched",
    ),
    "disaster": (
        "زلزال",
        "هزه",
        "فيضان",
        "فيضانات",
        "سيول",
        "اعصار",
        "حريق",
        "earthquake",
        "quake",
        "flood",
        "floods",
        "fire",
    ),
    "signing": ("وقع", "وقعت", "توقيع", "وقعا", "signed", "signing"),
    "release": (
        "افرج",
        "افرجت",
        "الافراج",
        "افراج",
        "سراح",
        "تسليم",
        "released",
        "freed",
        "handed",
    ),
    "decision": ("قرر", "قررت", "قرار", "رفع", "خفض", "decided", "raised", "cut", "decision"),
    "capture": ("سيطره", "السيطره", "استولي", "captured", "seized"),
}
_ACTION_OF = {normalize(w): kind for kind, words in ACTIONS.items() for w in words}
ACTION_WINDOW = 8  # words either side of a date that may name its action


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """A fact in one passage of one document (the fact's offsets are document offsets)."""

    document: str
    passage: int  # passage index within the document
    fact: T
    action: str = ""  # for dates: the action class the date is attached to
    sentence: tuple[int, int] = (0, 0)  # the sentence around the fact, for evidence


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts stage's output."""

    names: tuple[Located[NameMention], ...]
    dates: tuple[Located[DateMention], ...]
    quantities: tuple[Located[Quantity], ...]

    def frame(self) -> pl.DataFrame:
        """Return every fact as one row: document, passage, kind, start, end, text, value."""
        rows = []
        for kind, items in (
            ("name", self.names),
            ("date", self.dates),
            ("quantity", self.quantities),
        ):
            for item in items:
                f = item.fact
                rows.append(
                    {
                        "document": item.document,
                        "passage": item.passage,
                        "kind": kind,
                        "start": f.start,
                        "end": f.end,
                        "text": getattr(f, "surface", None) or getattr(f, "text", "") or "",
                        "value": _value_text(f),
                        "action": item.action,
                    }
                )
        return pl.DataFrame(
            rows,
            schema={
                "document": pl.String,
                "passage": pl.Int32,
                "kind": pl.String,
                "start": pl.Int64,
                "end": pl.Int64,
                "text": pl.String,
                "value": pl.String,
                "action": pl.String,
            },
        )


def _value_text(f: object) -> str:
    if isinstance(f, Quantity):
        return f"{f.value:g} {f.noun_key}".strip()
    if isinstance(f, DateMention):
        if f.earliest is None:
            return f"weekday {f.weekday}" if f.weekday is not None else ""
        return f"{f.earliest}..{f.latest}"
    if isinstance(f, NameMention):
        return " ".join(f.tokens)
    return ""


_Span = tuple[int, int, int]  # passage start, end, index
_Found = tuple[int, object, str, tuple[int, int]]  # passage index, fact, action, sentence
PARALLEL_MIN_DOCUMENTS = 64  # below this, worker processes cost more than they save
CACHE_BATCH = 500  # keys per SQLite query (its default limit is 999 parameters at least)


def extract_facts(
    corpus: Corpus, *, cache_dir: Path | None = None, workers: int | None = None
) -> Facts:
    """Return the names, dates and quantities of every content passage of ``corpus``.

    Documents are independent, so large corpora are read on every core (``workers``, default
    all). With ``cache_dir``, each document's facts are kept on disk under a key made of the
    extractor's own source code, the text, the publication time and the passage spans, so a
    re-run reads only what changed.
    """
    # the spans of the content passages (their texts are the documents'), and a job's text read
    # when the job is sent: every document's text made a Python string at once, with the
    # passages' texts, held 1.8 GB at 100,000 articles
    passages = corpus.passages.filter(pl.col("kind") != "boilerplate").sort("document", "index")
    by_doc: dict[str, list[_Span]] = {}
    for doc, index, start, end in passages.select("document", "index", "start", "end").iter_rows():
        by_doc.setdefault(doc, []).append((start, end, index))
    del passages
    texts = corpus.texts()
    published_of = dict(zip(corpus.documents["id"], corpus.documents["published"], strict=True))

    def job(doc: str) -> tuple[str, str | None, list[_Span]]:
        return texts[doc], published_of[doc], by_doc[doc]

    keys: dict[str, str] = {}
    for doc, text, published in corpus.documents.select("id", "text", "published").iter_rows():
        if by_doc.get(doc):
            keys[doc] = _cache_key(text, published, by_doc[doc])
    cache = _FactsCache(cache_dir) if cache_dir is not None else None
    # each document's facts stay pickled (as the cache holds them and a worker sends them) until
    # their turn below: unpickled all at once, they were freed among the facts that are kept,
    # and the memory _HeldOnce saves stayed taken
    known = cache.get(list(dict.fromkeys(keys.values()))) if cache else {}
    missing = [doc for doc in keys if keys[doc] not in known]
    found = map_items(
        _pickled_facts,
        (job(doc) for doc in missing),
        workers,
        PARALLEL_MIN_DOCUMENTS,
        count=len(missing),
    )
    computed = dict(zip(missing, found, strict=True))
    del found
    if cache and computed:
        cache.add({keys[doc]: found for doc, found in computed.items()})
    raws = {doc: computed.pop(doc, None) or known[keys[doc]] for doc in keys}
    del computed, known
    held = _HeldOnce()
    repaired: dict[str, bytes] = {}  # cached facts that did not unpickle, computed again
    kinds: list[list[Located[Any]]] = [[], [], []]
    # one kind after the other, in the order the checks let them go (consistency.CHECKS): each
    # kind's objects fill memory of their own, which goes back to the system with them. Made
    # document by document, the three kinds shared every arena, and none was given back
    # before the last
    for part in reversed(range(len(PARTS))):
        for doc in list(raws):
            raw = raws.pop(doc) if not part else raws[doc]  # let go once read for the last time
            try:
                found = _unpickled_part(raw, part)
            except _UNREADABLE:
                raw = repaired[keys[doc]] = _pickled_facts(job(doc))
                if part:
                    raws[doc] = raw
                found = _unpickled_part(raw, part)
            kinds[part].extend(held.located(doc, one) for one in found)
    if cache and repaired:
        cache.add(repaired)
    names, dates, quantities = kinds
    return Facts(tuple(names), tuple(dates), tuple(quantities))  # type: ignore[arg-type]


# a document's facts as the cache holds them and a worker sends them: the lengths of the first
# two parts, then each part pickled on its own, so that one can be read without the others
PARTS = ("names", "dates", "quantities")
_LENGTHS = struct.Struct("<II")
# what reading a damaged or outdated cache entry raises (AttributeError: a class since renamed)
_UNREADABLE = (
    pickle.UnpicklingError,
    struct.error,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
)


def _pickled_facts(job: tuple[str, str | None, list[_Span]]) -> bytes:
    """Return :func:`_document_facts` pickled, as the cache stores it (see PARTS)."""
    parts = [pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL) for p in _document_facts(job)]
    return _LENGTHS.pack(len(parts[0]), len(parts[1])) + b"".join(parts)


def _unpickled_part(raw: bytes, part: int) -> list[_Found]:
    """Return part ``part`` (an index in PARTS) of what :func:`_pickled_facts` returned."""
    first, second = _LENGTHS.unpack_from(raw)
    bounds = (_LENGTHS.size, _LENGTHS.size + first, _LENGTHS.size + first + second, len(raw))
    if bounds[2] > len(raw):
        raise ValueError("cut short")
    found = pickle.loads(memoryview(raw)[bounds[part] : bounds[part + 1]])
    if not isinstance(found, list):
        raise TypeError(f"{PARTS[part]}: a {type(found).__name__}, not a list")
    return found


class _HeldOnce:
    """Makes the Located facts of one extraction, each value held once: the same names, words,
    dates and offsets recur across documents, but every document's facts arrive as objects of
    their own (unpickled from a worker or the cache). Sharing the equal values as they arrive
    took the facts of 10,000 generated articles from 276 MB to 118 (pympler's asizeof), 2.4 s.
    A fact is frozen, so its fields are repointed with ``object.__setattr__``, before anything
    else holds it; ints, floats and other values have memos of their own (1 == 1.0 == True)."""

    FIELDS: ClassVar[dict[type, tuple[tuple[str, int], ...]]] = {
        NameMention: (
            ("start", 0),
            ("end", 0),
            ("surface", 2),
            ("tokens", 2),
            ("role", 2),
            ("evidence", 2),
            ("score", 1),
        ),
        DateMention: (
            ("start", 0),
            ("end", 0),
            ("text", 2),
            ("kind", 2),
            ("earliest", 2),
            ("latest", 2),
            ("conflict", 2),
        ),
        Quantity: (
            ("start", 0),
            ("end", 0),
            ("value", 1),
            ("number_text", 2),
            ("number_start", 0),
            ("number_end", 0),
            ("noun", 2),
            ("noun_key", 2),
            ("noun_start", 0),
            ("noun_end", 0),
            ("bound", 2),
            ("qualifiers", 2),
        ),
    }

    def __init__(self) -> None:
        self.memos: tuple[dict[Any, Any], ...] = ({}, {}, {})  # ints, floats, the rest

    def located(self, doc: str, found: _Found) -> Located[Any]:
        index, fact, action, sentence = found
        ints, _, rest = memos = self.memos
        for name, kind in self.FIELDS[type(fact)]:
            value = getattr(fact, name)
            object.__setattr__(fact, name, memos[kind].setdefault(value, value))
        return Located(
            doc,
            ints.setdefault(index, index),
            fact,
            rest.setdefault(action, action),
            rest.setdefault(sentence, sentence),
        )


def _document_facts(
    job: tuple[str, str | None, list[_Span]],
) -> tuple[list[_Found], list[_Found], list[_Found]]:
    """Return the facts of one document's passages: (passage index, fact, action, sentence)."""
    text, published, spans = job
    when = parse_published(published)
    starts = [s for s, _, _ in spans]
    names: list[_Found] = []
    dates: list[_Found] = []
    quantities: list[_Found] = []
    sentences: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def sentence(span: _Span, fact: object) -> tuple[int, int]:
        found = sentences.get(span[:2])
        if found is None:
            found = sentences[span[:2]] = sentence_spans(text, span[0], span[1])
        return _sentence_of(found, span, fact)

    for mention in extract_names(text, vocabulary(text)):
        k = bisect.bisect_right(starts, mention.start) - 1
        if k >= 0 and mention.end <= spans[k][1]:
            names.append((spans[k][2], mention, "", sentence(spans[k], mention)))
    for start, end, index in spans:
        chunk = text[start:end]
        scanned = scan_words(chunk)
        words: list | None = None
        for d in extract_dates(chunk, when, words=scanned):
            shifted = replace(d, start=d.start + start, end=d.end + start)
            if words is None:
                words = [TokenFields._make(t) for t in token_fields(chunk)]
            action = _action(words, d.start, d.end)
            dates.append((index, shifted, action, sentence((start, end, index), shifted)))
        for q in extract_quantities(chunk, words=scanned):
            shifted_q = replace(
                q,
                start=q.start + start,
                end=q.end + start,
                number_start=q.number_start + start,
                number_end=q.number_end + start,
                noun_start=q.noun_start + start if q.noun_start >= 0 else q.noun_start,
                noun_end=q.noun_end + start if q.noun_end >= 0 else q.noun_end,
            )
            quantities.append((index, shifted_q, "", sentence((start, end, index), shifted_q)))
    return names, dates, quantities


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """Return a hash of the source code that decides what a fact is (this package and the
    text stage it reads through), so cached facts are never older than the code."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), package.parent / "text.py"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(text: str, published: str | None, spans: list[_Span]) -> str:
    payload = f"{extractor_version()}\0{published}\0{spans}\0{text}"
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


class _FactsCache:
    """{key: a document's facts} in an SQLite file ``cache_dir/facts-VERSION.sqlite``, read by
    key, so a check that needs a few thousand documents' facts reads only theirs however large
    the archive's cache grew. A cache that cannot be read is a miss (the facts are computed
    again), never fatal; a damaged file is moved aside and started afresh."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = Path(cache_dir) / f"facts-{extractor_version()}.sqlite"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        return db

    def get(self, keys: list[str]) -> dict[str, bytes]:
        """Return the cached facts of those ``keys`` that are in the cache, still pickled (one
        that does not unpickle is computed again by the caller)."""
        if not keys or not self.path.is_file():
            return {}
        out: dict[str, bytes] = {}
        try:
            with contextlib.closing(self._connect()) as db:
                for start in range(0, len(keys), CACHE_BATCH):
                    batch = keys[start : start + CACHE_BATCH]
                    marks = ",".join("?" * len(batch))
                    query = f"SELECT key, value FROM facts WHERE key IN ({marks})"
                    for key, value in db.execute(query, batch):
                        if isinstance(value, bytes) and value:
                            out[key] = value
        except sqlite3.DatabaseError:
            self._set_aside()
        except OSError:
            pass
        return out

    def add(self, entries: dict[str, bytes]) -> None:
        """Store ``entries`` (pickled facts); a cache that cannot be written is left as it is."""
        rows = list(entries.items())
        try:
            with contextlib.closing(self._connect()) as db, db:
                db.executemany("INSERT OR REPLACE INTO facts (key, value) VALUES (?, ?)", rows)
        except sqlite3.DatabaseError:
            self._set_aside()
        except OSError:
            pass

    def _set_aside(self) -> None:
        with contextlib.suppress(OSError):
            self.path.replace(self.path.with_name(f"{self.path.name}.damaged-{uuid.uuid4().hex}"))


def _sentence_of(
    sentences: list[tuple[int, int]], span: tuple[int, int, int], fact: object
) -> tuple[int, int]:
    """The sentence of ``sentences`` (those of ``span``) that contains the fact's start."""
    start, end, _ = span
    f_start = getattr(fact, "start", start)
    for s, e in sentences:
        if s <= f_start < e:
            return s, e
    return start, end


def _action(words: list, start: int, end: int) -> str:
    """Return the action class that the date at [start, end) dates: the nearest action word
    before it in its passage (Arabic and English put the date after its verb), or after it
    when the date opens the sentence (في يوم الجمعة، قال ...)."""
    position = [i for i, w in enumerate(words) if w.start < end and start < w.end]
    if not position:
        return ""
    first, last = position[0], position[-1]
    for i in range(first - 1, max(-1, first - 1 - ACTION_WINDOW), -1):
        kind = _action_of(words[i])
        if kind:
            return kind
    for i in range(last + 1, min(len(words), last + 1 + ACTION_WINDOW)):
        if words[i].stem in _REFERENCE_EVENT:
            break  # "... اليوم الجمعة ... بعد السيول": what follows بعد is another event
        kind = _action_of(words[i])
        if kind:
            return kind
    return ""


_REFERENCE_EVENT = {
    normalize(w) for w in ("بعد", "قبل", "منذ", "إثر", "عقب", "after", "before", "since")
}


_SUFFIXES = ("هما", "هم", "ها", "ه")


def _action_of(word: object) -> str:
    for form in (word.stem, word.norm):  # type: ignore[attr-defined]
        kind = _ACTION_OF.get(form)
        if kind:
            return kind
        for suffix in _SUFFIXES:
            if form.endswith(suffix) and len(form) - len(suffix) >= 3:
                kind = _ACTION_OF.get(form[: -len(suffix)])
                if kind:
                    return kind
    return ""
