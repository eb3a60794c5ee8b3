"""Facts stage: typed facts (person names, dates, quantities) with spans into the document text.

Each fact is located in one content passage of one document; all offsets are document offsets.
Names are read over the whole document (a surname is recognised once its full name has been
seen), dates are resolved against the document's publication time, and every date is attached
to the action it dates (a meeting, a statement, a strike...) so that only like is compared.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

import polars as pl

from dedupe.facts.dates import DateMention, extract_dates
from dedupe.facts.names import NameMention, extract_names
from dedupe.facts.numbers import Quantity, extract_quantities
from dedupe.models import Corpus, parse_published
from dedupe.text import normalize, sentence_spans, tokenize, vocabulary

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
    "release": ("افرج", "الافراج", "افراج", "سراح", "تسليم", "released", "freed", "handed"),
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


def extract_facts(corpus: Corpus) -> Facts:
    """Return the names, dates and quantities of every content passage of ``corpus``."""
    passages = corpus.content_passages().sort("document", "index")
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for doc, index, start, end in passages.select("document", "index", "start", "end").iter_rows():
        by_doc.setdefault(doc, []).append((start, end, index))
    names: list[Located[NameMention]] = []
    dates: list[Located[DateMention]] = []
    quantities: list[Located[Quantity]] = []
    for doc, text, published in corpus.documents.select("id", "text", "published").iter_rows():
        spans = by_doc.get(doc, [])
        if not spans:
            continue
        when = parse_published(published)
        starts = [s for s, _, _ in spans]
        for mention in extract_names(text, vocabulary(text)):
            k = bisect.bisect_right(starts, mention.start) - 1
            if k >= 0 and mention.end <= spans[k][1]:
                names.append(
                    Located(doc, spans[k][2], mention, sentence=_sentence(text, spans[k], mention))
                )
        for start, end, index in spans:
            chunk = text[start:end]
            words = tokenize(chunk)
            for d in extract_dates(chunk, when):
                shifted = replace(d, start=d.start + start, end=d.end + start)
                dates.append(
                    Located(
                        doc,
                        index,
                        shifted,
                        action=_action(words, d.start, d.end),
                        sentence=_sentence(text, (start, end, index), shifted),
                    )
                )
            for q in extract_quantities(chunk):
                shifted_q = replace(
                    q,
                    start=q.start + start,
                    end=q.end + start,
                    number_start=q.number_start + start,
                    number_end=q.number_end + start,
                    noun_start=q.noun_start + start if q.noun_start >= 0 else q.noun_start,
                    noun_end=q.noun_end + start if q.noun_end >= 0 else q.noun_end,
                )
                quantities.append(
                    Located(
                        doc,
                        index,
                        shifted_q,
                        sentence=_sentence(text, (start, end, index), shifted_q),
                    )
                )
    return Facts(tuple(names), tuple(dates), tuple(quantities))


def _sentence(text: str, span: tuple[int, int, int], fact: object) -> tuple[int, int]:
    start, end, _ = span
    f_start = getattr(fact, "start", start)
    for s, e in sentence_spans(text, start, end):
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
