"""Consistency stage: facts that reports of one event disagree on → findings with evidence.

- name_variant: one person whose surname is transliterated differently (across reports or
  within one), decided from a transliteration skeleton, string similarity and context (same
  first name, same role, same event); orthographic normalization alone is never reported.
- date_conflict: aligned passages of different reports that put the same action (a meeting, a
  statement...) on dates that cannot overlap, or a weekday that contradicts its own date.
- number_conflict: aligned passages that give different figures for the same counted thing,
  unless a qualifier explains the difference (approximate, at least, a toll that rose, the
  original versus the revised plan, killed versus injured).

Precision matters more than recall: a finding needs positive evidence for each of its parts,
and a guess with little evidence is reported as `info`, not as an `error`.
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import tempfile
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations
from typing import IO, Any

import numpy as np
import polars as pl

from dedupe.allocator import clear_memos, trim_heap
from dedupe.cluster import KEPT_PAIRS_FLOOR, Clustering, pair_codes
from dedupe.facts import Facts, Located
from dedupe.facts.dates import DateMention
from dedupe.facts.names import (
    NameMention,
    is_native_name,
    name_similarity,
    orthographic_only,
    same_person,
    similar_word_pairs,
    skeleton,
)
from dedupe.facts.numbers import Quantity, count_keys, same_counted_thing
from dedupe.models import Corpus, Evidence, Finding, FindingValue, parse_published
from dedupe.text import ARABIC_LETTER, Token, normalize, tokenize

Starts = Mapping[tuple[str, int], int]  # (document, passage index) → the passage's start
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_NAME_SCORE = 0.6
MAX_EVIDENCE = 3  # quotes of one value from one document
# A value quotes evidence from its first MAX_QUOTED_DOCUMENTS documents and lists them all: a
# name the whole corpus uses quoted up to MAX_EVIDENCE mentions from each of its documents,
# and at 100,000 generated articles the name findings (19,103, with 948,136 quotes) held 1.4 GB
MAX_QUOTED_DOCUMENTS = 10
SUMMARY_DOCUMENTS = 5  # documents a summary names per value before "and N more"
SNIPPET = 160


@dataclass(frozen=True, slots=True)
class Context:
    """What the consistency checks need to know about the corpus and its events."""

    texts: Mapping[str, str]  # read when a finding quotes its evidence
    paths: dict[str, str]
    published: dict[str, datetime | None]
    group: dict[str, str]  # document → its duplicate-group representative
    passage_event: Mapping[tuple[str, int], AbstractSet[str]]  # (document, passage start) → events
    facets: list[tuple[str, set[tuple[str, int]]]]  # (event id, {(document, passage start)})
    aligned: list[tuple[str | None, tuple[str, int], tuple[str, int]]]  # strongly aligned pairs
    # passage pair → its alignment score, for pairs aligned at least WEEKDAY_ONLY_ALIGNMENT
    pair_score: PairScores | Mapping[frozenset[tuple[str, int]], float]


@dataclass(frozen=True, slots=True)
class PairScores:
    """Alignment scores of passage pairs, looked up like a dict keyed by the frozenset of the two
    passages' (document, start): held as sorted numpy codes, since a large run has millions of
    pairs (a dict of frozensets took a gigabyte at 10,000 articles)."""

    rows: PassageRows | Mapping[tuple[str, int], int]  # (document, passage start) → row
    codes: np.ndarray  # sorted int64: low row × n + high row
    scores: np.ndarray
    n: int

    def get(self, key: frozenset[tuple[str, int]], default: float = 0.0) -> float:
        """Return the score of the pair ``key``, or ``default`` when it was not scored."""
        ends = [self.rows.get(end) for end in key]
        if len(ends) != 2 or None in ends:
            return default
        low, high = sorted(ends)  # type: ignore[type-var]
        code = low * self.n + high
        at = int(np.searchsorted(self.codes, code))
        if at < len(self.codes) and self.codes[at] == code:
            return float(self.scores[at])
        return default


class PassageRows:
    """(document, passage start) → the passage's row in a passage frame, read like a dict (a
    start written twice: its last row): per document, its starts in ascending order and their
    rows, in arrays: a dict of every passage's tuple was 3.4 MB of the checks' 35.7 MB of
    lookup tables at 10,000 articles."""

    def __init__(self, passages: pl.DataFrame) -> None:
        self._of: dict[str, tuple[array[int], array[int]]] = {}
        rows = passages.select("document", "start").with_row_index("row")
        rows = rows.sort("document", "start", maintain_order=True)
        for doc, start, row in rows.select("document", "start", "row").iter_rows():
            got = self._of.get(doc)
            if got is None:
                got = self._of[doc] = (array("q"), array("q"))
            got[0].append(start)
            got[1].append(row)

    def get(self, key: tuple[str, int], default: int | None = None) -> int | None:
        doc, start = key
        got = self._of.get(doc)
        if got is None:
            return default
        starts, rows = got
        at = bisect_right(starts, start) - 1
        return rows[at] if at >= 0 and starts[at] == start else default


def build_context(
    corpus: Corpus, clustering: Clustering | None, align_threshold: float = 1.0
) -> Context:
    """Return the lookup tables the checks share."""
    docs = corpus.documents
    texts = corpus.texts()
    paths = dict(zip(docs["id"], docs["path"], strict=True))
    published = {d: parse_published(p) for d, p in zip(docs["id"], docs["published"], strict=True)}
    group: dict[str, str] = {d: d for d in texts}
    passage_event: dict[tuple[str, int], frozenset[str]] = {}
    facets: list[tuple[str, set[tuple[str, int]]]] = []
    aligned: list[tuple[str | None, tuple[str, int], tuple[str, int]]] = []
    pair_score: PairScores | dict[frozenset[tuple[str, int]], float] = {}
    if clustering is not None:
        if align_threshold < clustering.pairs_floor:
            raise ValueError(
                f"align_threshold {align_threshold} is below the lowest pair score the "
                f"clustering kept ({clustering.pairs_floor}): cluster with that threshold"
            )
        frame = clustering.passages
        one: dict[str, str] = {}  # each document id one string, not one per passage
        docs = [one.setdefault(d, d) for d in frame["document"].to_list()]
        key = list(zip(docs, frame["start"].to_list(), strict=True))
        group.update(zip(docs, frame["group"].to_list(), strict=True))
        events_of: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
        for eid, rows in clustering.members.items():
            for r in rows:
                events_of[key[r]].add(eid)
        # the passages of one event (most are in one) share one set of its ids
        shared: dict[frozenset[str], frozenset[str]] = {}
        for k, eids in events_of.items():
            passage_event[k] = shared.setdefault(frozenset(eids), frozenset(eids))
        del events_of
        for eid, event_facets in clustering.facets.items():
            for facet in event_facets:
                facets.append((eid, {key[r] for r in facet}))
        n = max(1, len(key))
        # the pairs this lookup answers for (8 % of them at 10,000 generated articles), sorted
        codes, scores = pair_codes(
            clustering.pairs.filter(pl.col("score") >= WEEKDAY_ONLY_ALIGNMENT), n
        )
        pair_score = PairScores(rows=PassageRows(frame), codes=codes, scores=scores, n=n)
        strong = clustering.pairs.filter(pl.col("score") >= align_threshold)
        for i, j in strong.select("i", "j").iter_rows():
            a, b = key[i], key[j]
            common = passage_event.get(a, set()) & passage_event.get(b, set())
            if common:
                aligned.append((min(common, key=_natural), a, b))
    return Context(texts, paths, published, group, passage_event, facets, aligned, pair_score)


class PassageStarts(Mapping[tuple[str, int], int]):
    """(document, passage index) → the passage's start: an array of starts per document, where
    a dict of tuples held about 300 MB at 100,000 articles (1.5 million passages)."""

    def __init__(self, passages: pl.DataFrame) -> None:
        self._starts: dict[str, array[int]] = {}
        rows = passages.select("document", "index", "start").sort("document", "index")
        for doc, index, start in rows.iter_rows():
            starts = self._starts.get(doc)
            if starts is None:
                starts = self._starts[doc] = array("q")
            if index >= len(starts):
                starts.extend([-1] * (index - len(starts) + 1))  # (indexes missing: no start)
            starts[index] = start

    def __getitem__(self, key: tuple[str, int]) -> int:
        doc, index = key
        starts = self._starts.get(doc)
        if starts is None or not 0 <= index < len(starts) or starts[index] < 0:
            raise KeyError(key)
        return starts[index]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for doc, starts in self._starts.items():
            yield from ((doc, index) for index, start in enumerate(starts) if start >= 0)

    def __len__(self) -> int:
        return sum(sum(1 for start in starts if start >= 0) for starts in self._starts.values())


def find_inconsistencies(
    corpus: Corpus,
    clustering: Clustering | None,
    facts: Facts,
    align_threshold: float = 0.5,
) -> tuple[Finding, ...]:
    """Return the findings of all checks, deduplicated, most severe first. Facts are compared
    between passages of one aligned facet and between passages whose pair score reaches
    ``align_threshold``.

    The checks run one after another in this process. On two worker processes they took less
    time (at 100,000 articles the name check alone takes most of it), but each worker copied
    the pages of the facts it read, as reading a Python object writes its reference count:
    at 10,000 articles the run's processes held 1,452 MiB together while the checks ran on
    two workers, 916 in one process (bench/memory.py's tree peak).

    Each check's findings are written to a temporary file as soon as it is done, and its
    memos emptied; they are read back once the facts are let go (the caller should hold no
    other reference to ``facts``). Made between the memo entries and the garbage of the
    checks, the findings kept 1.7 GB resident at 100,000 articles, where on their own they
    take 547 MiB (see :func:`dedupe.allocator.clear_memos`).

    What the stages before left in the heap (the facts' workers' results, unpickled here) is
    collected and given back first: in `dedupe run` at 100,000 articles the checks started at
    3,402 MiB, where bench/memory.py, which does this between stages, starts them at 3,019, and
    their peak was the run's (4,231 MiB)."""
    gc.collect()
    trim_heap()
    ctx = build_context(corpus, clustering, align_threshold)
    passage_start = PassageStarts(corpus.passages)
    spill = _Spill()
    kinds = {"numbers": facts.quantities, "dates": facts.dates, "names": facts.names}
    del facts
    for check in CHECKS:  # each kind of fact let go once checked (see extract_facts)
        spill.add(_one_check(kinds.pop(check), ctx, passage_start, check))
        clear_memos()
        trim_heap()
    del ctx, passage_start
    trim_heap()
    findings = spill.take()
    unique: dict[str, Finding] = {}
    for f in findings:
        if f.id not in unique or unique[f.id].confidence < f.confidence:
            unique[f.id] = f
    rank = {"error": 2, "warning": 1, "info": 0}
    return tuple(sorted(unique.values(), key=lambda f: (-rank[f.severity], -f.confidence, f.id)))


# the name check, whose own memory is the largest by far (640 MiB at 100,000 articles, to 136
# for numbers and 88 for dates), comes last, when the other kinds of facts are gone
CHECKS = ("numbers", "dates", "names")


class _Spill:
    """Lists of findings written to a temporary file as they come, and read back at the end;
    kept in memory where no temporary file can be made or written (the file is only there to
    save memory)."""

    def __init__(self) -> None:
        self._held: list[Finding] = []
        self._written = 0  # lists in the file
        try:
            self._file: IO[bytes] | None = tempfile.TemporaryFile(prefix="dedupe-findings-")
        except OSError:
            self._file = None

    def add(self, findings: list[Finding]) -> None:
        if self._file is not None:
            try:
                pickle.dump(findings, self._file, protocol=pickle.HIGHEST_PROTOCOL)
                self._written += 1
                return
            except OSError:  # (a full disk): what was written is read back, the rest held
                self._held = self._read()
        self._held.extend(findings)

    def take(self) -> list[Finding]:
        """Return every finding added, in order (the file is closed)."""
        return [*self._read(), *self._held] if self._file is not None else self._held

    def _read(self) -> list[Finding]:
        file, self._file = self._file, None
        if file is None:
            return []
        with file:
            file.seek(0)
            return [f for _ in range(self._written) for f in pickle.load(file)]


def _one_check(
    facts: Sequence[Located[Any]], ctx: Context, passage_start: Starts, check: str
) -> list[Finding]:
    """Return the findings of one check (a name in CHECKS) on its kind of ``facts``."""
    if check == "names":
        return name_variants(facts, ctx, passage_start)
    if check == "dates":
        return date_conflicts(facts, ctx, passage_start)
    return number_conflicts(facts, ctx, passage_start)


# --- evidence and identity -------------------------------------------------------------------


def fingerprint(kind: str, values: Iterable[str], paths: Iterable[str]) -> str:
    """Return the stable content fingerprint of a finding: kind, normalized values, documents
    (by path), never offsets or line numbers."""
    key = "\x1f".join([kind, *sorted(set(values)), "\x1e", *sorted(set(paths))])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _evidence(ctx: Context, item: Located, value_start: int, value_end: int) -> Evidence:
    text = ctx.texts[item.document]
    s, e = item.sentence if item.sentence != (0, 0) else (value_start, value_end)
    if e - s > SNIPPET:
        half = SNIPPET // 2
        s = max(s, value_start - half)
        e = min(e, max(value_end + half, s + SNIPPET))
        while s > 0 and s < value_start and not text[s - 1].isspace():
            s += 1
        while e < len(text) and e > value_end and not text[e].isspace():
            e -= 1
    return Evidence(
        document=item.document,
        start=s,
        end=e,
        text=text[s:e],
        value_start=value_start,
        value_end=value_end,
    )


def _value(
    ctx: Context, value: str, normalized: str, items: Sequence[tuple[Located, int, int]]
) -> FindingValue:
    docs = sorted({it.document for it, _, _ in items}, key=_natural)
    quoted = set(docs[:MAX_QUOTED_DOCUMENTS])
    evidence: list[Evidence] = []
    per_doc: dict[str, int] = defaultdict(int)
    for it, s, e in sorted(items, key=lambda x: (_natural(x[0].document), x[1])):
        if it.document not in quoted or per_doc[it.document] >= MAX_EVIDENCE:
            continue
        per_doc[it.document] += 1
        evidence.append(_evidence(ctx, it, s, e))
    return FindingValue(
        value=value, normalized=normalized, documents=tuple(docs), evidence=tuple(evidence)
    )


def _listed(documents: Sequence[str]) -> str:
    """Return ``d1, d2, d3`` for a summary: the first SUMMARY_DOCUMENTS, then how many more."""
    shown = ", ".join(documents[:SUMMARY_DOCUMENTS])
    more = len(documents) - SUMMARY_DOCUMENTS
    return f"{shown} and {more:,} more" if more > 0 else shown


def _natural(doc_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in doc_id if ch.isdigit())
    return (int(digits) if digits else 0, doc_id)


def _severity(confidence: float, strong: bool) -> str:
    if confidence >= 0.8 and strong:
        return "error"
    if confidence >= 0.6:
        return "warning"
    return "info"


def _event_of(ctx: Context, items: Iterable[Located], passage_start: Starts) -> str | None:
    votes: dict[str, int] = defaultdict(int)
    for it in items:
        key = (it.document, passage_start.get((it.document, it.passage), -1))
        for eid in ctx.passage_event.get(key, ()):
            votes[eid] += 1
    return max(sorted(votes), key=lambda e: votes[e]) if votes else None


# --- names ------------------------------------------------------------------------------------


def _surname(m: NameMention) -> tuple[str, int, int]:
    """Return the surname as written (its last word) and its document span."""
    word_start = m.surface.rstrip().rfind(" ") + 1
    surface = m.surface[word_start:]
    return surface, m.start + word_start, m.start + word_start + len(surface)


def name_variants(
    names: Sequence[Located[NameMention]],
    ctx: Context,
    passage_start: Starts,
) -> list[Finding]:
    """Return one finding per person whose surname is spelled in two or more ways."""
    by_surname = _by_surname(names)
    surnames = sorted(by_surname)
    parent = {s: s for s in surnames}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    candidates, people = _surname_candidates(by_surname, ctx, passage_start)
    link_score: dict[tuple[str, str], float] = {}
    for a, b in candidates:
        similarity = name_similarity(a, b)
        if similarity < SURNAME_FLOOR or orthographic_only(a, b):
            continue
        score, support, first = _person_evidence(people[a], people[b])
        if (similarity >= 0.75 and score >= 0.7 and (support or score >= 0.9)) or (
            first and score >= 0.6
        ):
            link_score[(a, b)] = score
            parent[find(a)] = find(b)

    findings = _first_name_variants(by_surname, ctx, passage_start)
    clusters: dict[str, list[str]] = defaultdict(list)
    for s in surnames:
        clusters[find(s)].append(s)
    cluster_scores: dict[str, list[float]] = defaultdict(list)
    for (a, _), v in link_score.items():
        cluster_scores[find(a)].append(v)
    for root, members in clusters.items():
        if len(members) < 2:
            continue
        scores = cluster_scores[root]
        confidence = min(0.95, sum(scores) / len(scores))
        values = []
        for surname in sorted(members, key=lambda s: (-len(by_surname[s]), s)):
            items = by_surname[surname]
            written = _most_common([_surname(it.fact)[0] for it in items])
            spans = [(it, *_surname(it.fact)[1:]) for it in items]
            values.append(_value(ctx, written, surname, spans))
        all_items = [it for s in members for it in by_surname[s]]
        full = _most_common([it.fact.surface for it in all_items if len(it.fact.tokens) > 1]) or ""
        docs = sorted({d for v in values for d in v.documents}, key=_natural)
        shared_doc = [d for d in docs if sum(d in v.documents for v in values) > 1]
        spelled = " / ".join(f"{v.value} ({_listed(v.documents)})" for v in values)
        summary = f"One person, {len(values)} spellings: {spelled}"
        if full:
            summary += f"; full name as written: {full}"
        if shared_doc:
            summary += f"; {_listed(shared_doc)} uses more than one"
        findings.append(
            Finding(
                id=fingerprint("name_variant", members, [ctx.paths[d] for d in docs]),
                kind="name_variant",
                severity="warning" if confidence >= 0.75 else "info",
                confidence=round(confidence, 3),
                event=_event_of(ctx, all_items, passage_start),
                summary=summary,
                values=tuple(values),
            )
        )
    return findings


SURNAME_FLOOR = 0.7  # name_similarity below which two surnames are never linked
FIRST_NAME_FLOOR = 0.8  # name_similarity at which two first names count as one
FIRST_NAME_VARIANT_FLOOR = 0.85  # name_similarity of two spellings of one first name
PERSON_FORMS = 20  # mentions of a surname whose (name, role) are compared with same_person


def _by_surname(names: Iterable[Located[NameMention]]) -> dict[str, list[Located[NameMention]]]:
    """Return the confident name mentions by surname (the last token)."""
    by_surname: dict[str, list[Located[NameMention]]] = defaultdict(list)
    for item in names:
        if item.fact.score >= MIN_NAME_SCORE and item.fact.tokens:
            by_surname[item.fact.tokens[-1]].append(item)
    return by_surname


@dataclass(frozen=True, slots=True)
class _Person:
    """What the mentions of one surname say about whom it names."""

    firsts: frozenset[str]  # first names written with it
    roles: frozenset[str]  # role words (longer than three letters)
    events: frozenset[str]  # events its mentions belong to
    documents: frozenset[str]
    forms: tuple[NameMention, ...]  # distinct (tokens, role) of its first PERSON_FORMS mentions
    arabic: bool


def _person(
    items: Sequence[Located[NameMention]],
    ctx: Context,
    passage_start: Starts,
) -> _Person:
    forms: dict[tuple[tuple[str, ...], str], NameMention] = {}
    for it in items[:PERSON_FORMS]:
        forms.setdefault((it.fact.tokens, it.fact.role), it.fact)
    surname = items[0].fact.tokens[-1]
    return _Person(
        firsts=frozenset(it.fact.tokens[0] for it in items if len(it.fact.tokens) > 1),
        roles=frozenset(w for it in items for w in it.fact.role.split() if len(w) > 3),
        events=frozenset({_event_of(ctx, [it], passage_start) for it in items} - {None}),
        documents=frozenset(it.document for it in items),
        forms=tuple(forms.values()),
        arabic=bool(ARABIC_LETTER.search(surname)),
    )


def surname_pairs(
    names: Sequence[Located[NameMention]],
    ctx: Context,
    passage_start: Starts,
) -> list[tuple[str, str]]:
    """Return the surname pairs that :func:`name_variants` compares in full (sorted), so their
    number can be checked: it must grow with the people who could be one, not with the square
    of the names that share a transliteration skeleton."""
    return _surname_candidates(_by_surname(names), ctx, passage_start)[0]


def _surname_candidates(
    by_surname: dict[str, list[Located[NameMention]]],
    ctx: Context,
    passage_start: Starts,
) -> tuple[list[tuple[str, str]], dict[str, _Person]]:
    """Return the surname pairs worth comparing, sorted, and what the mentions of each of their
    surnames say: the pairs with the same transliteration skeleton anywhere in the corpus, and
    those used in one document or in one aligned facet (passages of different reports that
    report the same thing) whose spellings can reach SURNAME_FLOOR; of these, only the pairs
    that :func:`_may_be_one_person`. Comparing every pair would be quadratic in the names of
    the corpus, and so would comparing every pair of a skeleton shared by many invented names.

    A :class:`_Person` is made for the surnames of one skeleton while that skeleton is paired,
    and kept only for the surnames of the pairs: most surnames are paired with none, and
    keeping one for each was the largest part of the name check's memory."""

    def person(surname: str) -> _Person:
        return _person(by_surname[surname], ctx, passage_start)

    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for surname in by_surname:
        by_skeleton[skeleton(surname)].append(surname)
    pairs: set[tuple[str, str]] = set()
    for members in by_skeleton.values():
        pairs.update(_skeleton_pairs(members, person))
    del by_skeleton
    for ordered in _shared_contexts(by_surname, ctx, passage_start):
        pairs.update(
            (ordered[r], ordered[c]) for r, c in similar_word_pairs(ordered, SURNAME_FLOOR)
        )
    people = {s: person(s) for s in sorted({s for pair in pairs for s in pair})}
    kept = sorted(p for p in pairs if _may_be_one_person(*p, people))
    paired = {s for pair in kept for s in pair}
    return kept, {s: p for s, p in people.items() if s in paired}


def _shared_contexts(
    by_surname: dict[str, list[Located[NameMention]]],
    ctx: Context,
    passage_start: Starts,
) -> Iterator[list[str]]:
    """Yield, sorted, the surnames used together in one document and those used together in
    one aligned facet, for each document and facet with two or more. Mentions and facets are
    joined as numpy arrays of integer ids: a set of surnames per document and per facet took
    about 30 MiB at 10,000 articles, and a polars join of the same rows 90 MiB of resident
    memory, where these arrays take a few."""
    surnames = sorted(by_surname)
    doc_ids: dict[str, int] = {}
    docs, starts, ids = array("q"), array("q"), array("q")
    for i, surname in enumerate(surnames):
        for it in by_surname[surname]:
            docs.append(doc_ids.setdefault(it.document, len(doc_ids)))
            starts.append(passage_start.get((it.document, it.passage), -1))
            ids.append(i)
    doc = np.frombuffer(docs, dtype=np.int64)
    surname = np.frombuffer(ids, dtype=np.int64)
    yield from _groups(*_unique_pairs(doc, surname), surnames)

    facet_ids, facet_docs, facet_starts = array("q"), array("q"), array("q")
    for k, (_, members) in enumerate(ctx.facets):
        for document, start in members:
            d = doc_ids.get(document)
            if d is not None:  # (a document without names shares none)
                facet_ids.append(k)
                facet_docs.append(d)
                facet_starts.append(start)
    if not facet_ids:
        return
    start = np.frombuffer(starts, dtype=np.int64)
    f_start = np.frombuffer(facet_starts, dtype=np.int64)
    width = int(max(start.max(initial=0), f_start.max())) + 2  # (start -1: no passage)
    where = doc * width + start + 1  # a passage as one number
    order = np.argsort(where, kind="stable")
    where, by_passage = where[order], surname[order]
    f_where = np.frombuffer(facet_docs, dtype=np.int64) * width + f_start + 1
    lo = np.searchsorted(where, f_where, side="left")
    counts = np.searchsorted(where, f_where, side="right") - lo
    total = int(counts.sum())
    # the mentions of each facet member's passage, one row per (facet, mention)
    first = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
    facet = np.repeat(np.frombuffer(facet_ids, dtype=np.int64), counts)
    yield from _groups(*_unique_pairs(facet, by_passage[first]), surnames)


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (a, b) pairs, sorted by a, then b."""
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[keep], b[keep]


def _groups(keys: np.ndarray, members: np.ndarray, names: list[str]) -> Iterator[list[str]]:
    """Yield the names of ``members`` for each run of two or more equal ``keys`` (sorted)."""
    bounds = np.flatnonzero(np.diff(keys)) + 1
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(keys)], strict=True):
        if hi - lo > 1:
            yield [names[i] for i in members[lo:hi].tolist()]


def _skeleton_pairs(
    members: Iterable[str], person: Callable[[str], _Person]
) -> set[tuple[str, str]]:
    """Return the pairs of surnames with one skeleton that may name one person, without
    looking at every pair: surnames written with first names are paired through similar first
    names, and one never written with a first name only with those that share a document, an
    event or a role word with it, or, when it has a role, with those that have one too."""
    eligible = sorted(s for s in members if len(s) >= 3)
    if len(eligible) < 2:
        return set()
    people = {s: person(s) for s in eligible}
    pairs: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a != b:
            pairs.add((a, b) if a < b else (b, a))

    holders: dict[str, list[str]] = defaultdict(list)
    for s in eligible:
        for first in people[s].firsts:
            holders[first].append(s)
    firsts = sorted(holders)
    similar = [(x, x) for x in firsts] + [
        (firsts[i], firsts[j])
        for i, j in similar_word_pairs(firsts, FIRST_NAME_FLOOR)
        if name_similarity(firsts[i], firsts[j]) >= FIRST_NAME_FLOOR
    ]
    for x, y in similar:
        for a in holders[x]:
            for b in holders[y]:
                add(a, b)

    bare = [s for s in eligible if not people[s].firsts]
    if bare:
        sharing: dict[tuple[str, str], list[str]] = defaultdict(list)
        with_role: list[str] = []
        for s in eligible:
            p = people[s]
            for key in (
                *(("document", d) for d in p.documents),
                *(("event", e) for e in p.events),
                *(("role", w) for w in p.roles),
            ):
                sharing[key].append(s)
            if any(f.role for f in p.forms):
                with_role.append(s)
        for a in bare:
            p = people[a]
            for key in (
                *(("document", d) for d in p.documents),
                *(("event", e) for e in p.events),
                *(("role", w) for w in p.roles),
            ):
                for b in sharing[key]:
                    add(a, b)
            if any(f.role for f in p.forms):
                for b in with_role:
                    add(a, b)
    return pairs


def _may_be_one_person(a: str, b: str, people: dict[str, _Person]) -> bool:
    """False when :func:`name_variants` could never link surnames ``a`` and ``b``: a short or
    native pair, two scripts, first names that all differ, or no shared context and no role
    that could lift the same-person score to where no context is needed."""
    pa, pb = people[a], people[b]
    if len(a) < 3 or len(b) < 3 or pa.arabic != pb.arabic:
        return False  # a name in another script is a translation, not a spelling
    if pa.firsts and pb.firsts:
        if not _similar_firsts(pa.firsts, pb.firsts):
            return False
    elif not (pa.roles & pb.roles or pa.events & pb.events or pa.documents & pb.documents):
        if not (any(f.role for f in pa.forms) and any(f.role for f in pb.forms)):
            return False
    # two native names (given names, frequent words) are one name only when spelled the same
    return not (_native_word(a) and _native_word(b))


def _native_word(name: str) -> bool:
    return len(name.split()) == 1 and is_native_name(name)


def _similar_firsts(a: Iterable[str], b: Iterable[str]) -> bool:
    b = list(b)
    return any(name_similarity(x, y) >= FIRST_NAME_FLOOR for x in a for y in b)


def _first_name_variants(
    by_surname: dict[str, list[Located[NameMention]]],
    ctx: Context,
    passage_start: Starts,
) -> list[Finding]:
    """Return findings for one person whose surname agrees but whose first name is written in
    two ways (والتر / فالتر رايتر); two people who share a surname have first names that
    differ by more than a transliteration."""
    findings = []
    for surname, items in by_surname.items():
        firsts: dict[str, list[Located[NameMention]]] = defaultdict(list)
        for it in items:
            if len(it.fact.tokens) > 1:
                firsts[it.fact.tokens[0]].append(it)
        names = sorted(firsts)
        for i, j in _pairs_that_may_reach(names, FIRST_NAME_VARIANT_FLOOR):
            a, b = names[i], names[j]
            if min(len(a), len(b)) < 3 or orthographic_only(a, b):
                continue
            if bool(ARABIC_LETTER.search(a)) != bool(ARABIC_LETTER.search(b)):
                continue
            if name_similarity(a, b) < FIRST_NAME_VARIANT_FLOOR:
                continue
            score = max(same_person(x.fact, y.fact) for x in firsts[a][:10] for y in firsts[b][:10])
            if score < 0.7:
                continue
            values = []
            for first in (a, b):
                group = firsts[first]
                written = _most_common([it.fact.surface.split()[0] for it in group])
                spans = [
                    (it, it.fact.start, it.fact.start + len(it.fact.surface.split()[0]))
                    for it in group
                ]
                values.append(_value(ctx, written, first, spans))
            docs = sorted({d for v in values for d in v.documents}, key=_natural)
            spelled = " / ".join(f"{v.value} ({_listed(v.documents)})" for v in values)
            surname_written = _surname(items[0].fact)[0]
            findings.append(
                Finding(
                    id=fingerprint("name_variant", [a, b, surname], [ctx.paths[d] for d in docs]),
                    kind="name_variant",
                    severity="warning" if score >= 0.75 else "info",
                    confidence=round(min(0.95, score), 3),
                    event=_event_of(ctx, firsts[a] + firsts[b], passage_start),
                    summary=f"One person, first name spelled {len(values)} ways: {spelled}; "
                    f"surname {surname_written}",
                    values=tuple(values),
                )
            )
    return findings


def _pairs_that_may_reach(words: Sequence[str], floor: float) -> Iterable[tuple[int, int]]:
    """Return the index pairs (i < j, in order) of ``words`` whose name similarity may reach
    ``floor``: every pair of a few words, the vectorized filter's pairs of many."""
    if len(words) <= 12:
        return combinations(range(len(words)), 2)
    return similar_word_pairs(words, floor)


def _person_evidence(a: _Person, b: _Person) -> tuple[float, bool, bool]:
    """Return (best same-person score, whether context supports it: a similar first name, a
    shared role word, or mentions in one event; and whether the first names are similar)."""
    similar_first = _similar_firsts(a.firsts, b.firsts)
    support = (
        similar_first
        or bool(a.roles & b.roles)
        or bool(a.events & b.events)
        or bool(a.documents & b.documents)  # one report spelling one surname two ways
    )
    if a.firsts and b.firsts and not similar_first:
        # both carry first names and none agrees: two people who share a surname sound
        return 0.0, False, False
    best = max((same_person(x, y) for x in a.forms for y in b.forms), default=0.0)
    return max(0.0, best), support, similar_first


def _most_common(values: Sequence[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return max(sorted(counts), key=lambda v: counts[v]) if counts else ""


# --- dates ------------------------------------------------------------------------------------


def _facet_pairs(
    items: Sequence[Located],
    ctx: Context,
    passage_start: Starts,
    keys: Callable[[Located], Iterable[Hashable]],
    *,
    direct: bool = False,
) -> Iterable[tuple[str | None, Located, Located]]:
    """Yield (event, a, b) for facts of different reports that sit in one aligned facet, and
    with ``direct`` also in two passages of one event aligned directly. Only facts that share
    one of ``keys`` (the action a date is attached to, the noun a figure counts) are paired:
    a large facet holds many facts, and the others could never be compared."""
    where: dict[tuple[str, int], list[Located]] = defaultdict(list)
    for it in items:
        where[(it.document, passage_start.get((it.document, it.passage), -1))].append(it)
    done: set[int] = set()  # pairs seen, as one int: a tuple of two ids took twice the memory

    def buckets(group: list[Located]) -> dict[Hashable, list[Located]]:
        out: dict[Hashable, list[Located]] = defaultdict(list)
        for it in group:
            for key in keys(it):
                out[key].append(it)
        return out

    def pairs(eid: str | None, first: list[Located], second: list[Located] | None):
        by_key = buckets(first)
        other = buckets(second) if second is not None else by_key
        for key, left in by_key.items():
            right = other.get(key, [])
            combos = (
                ((a, b) for i, a in enumerate(left) for b in left[i + 1 :])
                if second is None
                else ((a, b) for a in left for b in right)
            )
            for a, b in combos:
                pair = min(id(a), id(b)) << 64 | max(id(a), id(b))
                if pair in done:
                    continue
                done.add(pair)
                if ctx.group.get(a.document, a.document) != ctx.group.get(b.document, b.document):
                    yield eid, a, b

    for eid, members in ctx.facets:
        yield from pairs(eid, [it for key in sorted(members) for it in where.get(key, [])], None)
    for eid, a_key, b_key in ctx.aligned if direct else ():
        if a_key in where and b_key in where:
            yield from pairs(eid, where[a_key], where[b_key])


def _date_value(d: DateMention) -> tuple[str, str]:
    if d.earliest is not None and d.latest is not None:
        span = str(d.earliest) if d.earliest == d.latest else f"{d.earliest}..{d.latest}"
        if d.weekday is not None:
            span += f" ({WEEKDAYS_EN[d.weekday]})"
        return d.text, span
    return d.text, WEEKDAYS_EN[d.weekday] if d.weekday is not None else normalize(d.text)


WEEKDAY_ONLY_ALIGNMENT = KEPT_PAIRS_FLOOR  # the clustering keeps the pairs aligned this well
PLACE_WINDOW = 4  # words either side of a date where its place is named
_PLACE_PREPOSITIONS = {normalize(w) for w in ("في", "إلى", "الى", "in", "at", "to")}
_NOT_PLACES = {
    normalize(w)
    for w in (
        "وقت",
        "إطار",
        "ظل",
        "حين",
        "أثناء",
        "مقابل",
        "سياق",
        "ضوء",
        "مجال",
        "حال",
        "حالة",
        "بداية",
        "نهاية",
        "مطلع",
        "منتصف",
        "أعقاب",
        "خضم",
        "غضون",
        "صباح",
        "مساء",
        "ليلة",
        "الساعات",
        "الأيام",
        "ساعة",
        "مؤتمر",
        "بيان",
        "تصريحات",
        "وقت",
        "time",
        "the",
        "a",
    )
}


def _places(ctx: Context, item: Located[DateMention]) -> set[str]:
    """Return the place names written next to a date (the rare word after في/إلى/in/at), so a
    meeting in one city is not compared with a meeting in another."""
    from dedupe.cluster import word_weight

    s, e = item.sentence
    text = ctx.texts[item.document]
    words = tokenize(text[s:e], offset=s)
    d = item.fact
    inside = [k for k, w in enumerate(words) if w.start < d.end and d.start < w.end]
    if not inside:
        return set()
    near = [
        k
        for k in range(max(0, inside[0] - PLACE_WINDOW), min(len(words), inside[-1] + PLACE_WINDOW))
        if k not in inside
    ]
    places: set[str] = set()
    for k in near:
        w = words[k]
        if w.norm not in _PLACE_PREPOSITIONS and w.prefix not in ("ب", "في"):
            continue
        start = k if w.prefix in ("ب",) and w.norm not in _PLACE_PREPOSITIONS else k + 1
        for nxt in words[start : start + 2]:
            if k in inside or nxt.stem in _NOT_PLACES or nxt.norm in _NOT_PLACES:
                break
            light = nxt.surface[len(nxt.prefix) :]
            lang = "ar" if ARABIC_LETTER.search(light) else "en"
            if len(nxt.stem) >= 3 and word_weight(light.lower(), lang) >= 3.5:
                places.add(nxt.stem)
                break
    return places


def _tense(d: DateMention, published: datetime | None) -> str:
    """Return 'past', 'future' or '' for a resolved date relative to its publication day."""
    if published is None or d.earliest is None or d.latest is None:
        return ""
    day = published.date()
    if d.latest < day:
        return "past"
    if d.earliest > day:
        return "future"
    return ""


def date_conflicts(
    dates: Sequence[Located[DateMention]],
    ctx: Context,
    passage_start: Starts,
) -> list[Finding]:
    """Return date conflicts: between reports of one action (in one aligned facet, or calendar
    dates anywhere in one event, see :func:`_date_pairs`), and within one mention (a weekday
    that contradicts its own date)."""
    findings: list[Finding] = []
    for item in dates:
        d = item.fact
        if not d.conflict:
            continue
        value, normalized = _date_value(d)
        findings.append(
            Finding(
                id=fingerprint(
                    "date_conflict", [normalized, d.conflict], [ctx.paths[item.document]]
                ),
                kind="date_conflict",
                severity="warning",
                confidence=0.7,
                event=_event_of(ctx, [item], passage_start),
                summary=f"{d.text}: {d.conflict}",
                values=(_value(ctx, value, normalized, [(item, d.start, d.end)]),),
                details={"reason": d.conflict},
            )
        )
    seen: set[tuple[str, str]] = set()
    places: dict[int, set[str]] = {}
    # the days each report gives each action: one that gives both days (talks began on the 3rd
    # and ended on the 4th) does not contradict one that gives either
    days_of: dict[tuple[str, str], set[date]] = defaultdict(set)
    for item in dates:
        if item.action and item.fact.earliest is not None:
            if item.fact.earliest == item.fact.latest:
                days_of[(item.document, item.action)].add(item.fact.earliest)
    for eid, a, b in _date_pairs(dates, ctx, passage_start):
        if not a.action or a.action != b.action or a.action in UNDATED_ACTIONS:
            continue
        da, db = a.fact, b.fact
        if da.kind in ("year", "month") or db.kind in ("year", "month"):
            continue
        resolved = None not in (da.earliest, da.latest, db.earliest, db.latest)
        tense_a = _tense(da, ctx.published.get(a.document))
        tense_b = _tense(db, ctx.published.get(b.document))
        if {tense_a, tense_b} == {"past", "future"}:
            continue  # a plan and a report of something done are two occurrences
        if resolved:
            if da.earliest <= db.latest and db.earliest <= da.latest:  # type: ignore[operator]
                continue
            if (
                db.earliest in days_of[(a.document, a.action)]
                or da.earliest in days_of[(b.document, b.action)]
            ):
                continue
            strong = da.earliest == da.latest and db.earliest == db.latest
            confidence = 0.8 if strong else 0.65
        elif da.weekday is not None and db.weekday is not None and da.weekday != db.weekday:
            if ctx.published.get(a.document) or ctx.published.get(b.document):
                continue  # one side resolves and the other does not: not comparable
            key = frozenset(
                [
                    (a.document, passage_start.get((a.document, a.passage), -1)),
                    (b.document, passage_start.get((b.document, b.passage), -1)),
                ]
            )
            if ctx.pair_score.get(key, 0.0) < WEEKDAY_ONLY_ALIGNMENT:
                continue  # bare weekdays, no dates: only passages that clearly align
            strong = False
            confidence = 0.6
        else:
            continue
        for item in (a, b):
            if id(item) not in places:
                places[id(item)] = _places(ctx, item)
        if places[id(a)] and places[id(b)] and not places[id(a)] & places[id(b)]:
            continue  # talks in one city and talks in another are two meetings
        va, na = _date_value(da)
        vb, nb = _date_value(db)
        key = (eid, "|".join(sorted([na, nb])))
        if key in seen:
            continue
        seen.add(key)
        paths = [ctx.paths[a.document], ctx.paths[b.document]]
        findings.append(
            Finding(
                id=fingerprint("date_conflict", [na, nb, a.action], paths),
                kind="date_conflict",
                severity=_severity(confidence, strong),
                confidence=confidence,
                event=eid,
                summary=f"Reports of the same {a.action} give different days: {va} "
                f"({a.document}) vs {vb} ({b.document})",
                values=(
                    _value(ctx, va, na, [(a, da.start, da.end)]),
                    _value(ctx, vb, nb, [(b, db.start, db.end)]),
                ),
                details={"action": a.action},
            )
        )
    return findings


DAY_WITNESSES = 3  # reports per calendar day of one action whose date the event-wide pass pairs


def _date_pairs(
    dates: Sequence[Located[DateMention]], ctx: Context, passage_start: Starts
) -> Iterator[tuple[str | None, Located[DateMention], Located[DateMention]]]:
    """Yield the date pairs the date check compares: those of one aligned facet (see
    :func:`_facet_pairs`), then calendar dates of one action anywhere in one event.

    A calendar date (16 March) is rarely mistaken for another day the way a weekday or "today"
    is, so two reports that date one action of one event differently disagree even when the
    dates sit in passages that report different facets (the release, the arrival afterwards).
    A report that gives one action two calendar dates (talks began on the 3rd, ended on the
    4th) is of more than one occurrence and is left out. One finding is made per pair of days,
    so only DAY_WITNESSES reports of each day are paired with those of each other day: an event
    of thousands of reports does not pair them all."""
    seen: set[int] = set()  # the facet pairs of calendar dates, not paired again
    for eid, a, b in _facet_pairs(dates, ctx, passage_start, _date_keys):
        if _calendar(a.fact) and _calendar(b.fact):
            seen.add(min(id(a), id(b)) << 64 | max(id(a), id(b)))
        yield eid, a, b
    by_action: dict[tuple[str, str], list[Located[DateMention]]] = defaultdict(list)
    for item in dates:
        if not _calendar(item.fact):
            continue
        start = passage_start.get((item.document, item.passage), -1)
        for key in _date_keys(item):
            for eid in ctx.passage_event.get((item.document, start), ()):
                by_action[(eid, key)].append(item)
    for (eid, _), items in by_action.items():
        calendar_days: dict[str, set[date | None]] = defaultdict(set)  # of each report
        for item in items:
            calendar_days[item.document].add(item.fact.earliest)
        witnesses: dict[date | None, list[Located[DateMention]]] = defaultdict(list)
        for item in items:
            if len(calendar_days[item.document]) > 1:
                continue
            day = witnesses[item.fact.earliest]
            if len(day) < DAY_WITNESSES and all(w.document != item.document for w in day):
                day.append(item)
        days = list(witnesses.values())
        for i, first in enumerate(days):
            for second in days[i + 1 :]:
                for a in first:
                    for b in second:
                        if min(id(a), id(b)) << 64 | max(id(a), id(b)) in seen:
                            continue
                        if ctx.group.get(a.document, a.document) != ctx.group.get(
                            b.document, b.document
                        ):
                            yield eid, a, b


def _calendar(d: DateMention) -> bool:
    """True for a calendar date of one day (16 March, 2026-03-16)."""
    return d.kind == "explicit" and d.earliest is not None and d.earliest == d.latest


# --- numbers ----------------------------------------------------------------------------------

# Statements are issued again and again; two reports quoting statements on different days are
# not evidence that either is wrong.
UNDATED_ACTIONS = {"statement"}


def _date_keys(item: Located[DateMention]) -> tuple[str, ...]:
    """Dates are compared only when attached to the same datable action."""
    return (item.action,) if item.action and item.action not in UNDATED_ACTIONS else ()


def _quantity_keys(item: Located[Quantity]) -> tuple[str, ...]:
    return count_keys(item.fact)


STANCE_WORDS = {
    **{normalize(w): "current" for w in ("حاليا", "حالياً", "الآن", "الحالي", "currently", "now")},
    **{normalize(w): "previous" for w in ("سابقا", "سابقاً", "السابق", "previously", "formerly")},
    **{normalize(w): "target" for w in ("بحلول", "المستهدف", "هدف", "يهدف", "by", "target")},
}

APPROXIMATE_TOLERANCE = 0.15


def _compatible(a: Quantity, b: Quantity, later: Quantity | None) -> bool:
    """True when two figures for one counted thing do not contradict each other."""
    if a.value == b.value:
        return True
    if "updated" in a.qualifiers or "updated" in b.qualifiers:
        return True
    if later is not None and "updated" in later.qualifiers:
        return True
    low, high = sorted([a.value, b.value])
    if (a.approximate or b.approximate) and high - low <= APPROXIMATE_TOLERANCE * high:
        return True
    for x, y in ((a, b), (b, a)):
        if x.bound == "at_least" and y.value >= x.value:
            return True
        if x.bound == "at_most" and y.value <= x.value:
            return True
    return False


CASUALTY = {"killed", "injured"}
INCREMENT_WORDS = {
    normalize(w)
    for w in ("آخرين", "آخرون", "أخرى", "إضافيين", "إضافية", "more", "other", "additional")
}
CONTEXT_WORDS = 3


def _context(ctx: Context, item: Located[Quantity]) -> tuple[tuple[str, ...], bool, str]:
    """Return the content words nearest a figure, CONTEXT_WORDS either side (what it counts is
    often said by its verb: launched, shot down, hit) and whether it is an increment (سبعة
    أشخاص آخرين: seven more).
    The words are a sorted tuple: a set of a few words takes two to three times the memory,
    and the number check keeps them for every figure it pairs."""
    q = item.fact
    s, e = item.sentence
    text = ctx.texts[item.document]
    words = tokenize(text[s:e], offset=s)
    before = _up_to_another_figure([w for w in words if w.end <= q.start][::-1])[::-1]
    after = _up_to_another_figure([w for w in words if w.start >= q.end])
    increment = bool(after) and after[0].stem in INCREMENT_WORDS
    stance = next(
        (STANCE_WORDS[w.stem] for w in [*after[:2], *before[-1:]] if w.stem in STANCE_WORDS), ""
    )
    # the nearest content words, past prepositions and other figures: in "سعر الفائدة الرئيسي
    # من 5.5 إلى 6.25 في المئة" what the percentage is of sits five words back
    content = [w.stem for w in before if _content_word(w.stem)][-CONTEXT_WORDS:]
    content += [w.stem for w in after if _content_word(w.stem)][:CONTEXT_WORDS]
    return tuple(sorted(set(content))), increment, stance


# Words that join two figures of one range (من 5.5 إلى 6.25، from 5.5 to 6.25): the words past
# the other figure still describe this one.
RANGE_WORDS = {normalize(w) for w in ("إلى", "الى", "حتى", "to")}


def _up_to_another_figure(words: list[Token]) -> list[Token]:
    """Return ``words`` (going away from a figure) up to the next figure that is not the other
    end of its range: in "120 were injured and 2,000 were moved", the words after 2,000 say
    what 2,000 counts, not what 120 does."""
    for k, w in enumerate(words):
        if (
            _figure_token(w)
            and k
            and not (words[k - 1].stem in RANGE_WORDS or _figure_token(words[k - 1]))
        ):
            return words[:k]
    return words


def _figure_token(w: Token) -> bool:
    return any(ch.isdigit() for ch in w.stem)


def _content_word(stem: str) -> bool:
    return len(stem) >= 3 and not stem.isdigit() and stem not in _FUNCTION_WORDS


_FUNCTION_WORDS = {
    normalize(w)
    for w in (
        "الذي",
        "التي",
        "الذين",
        "بين",
        "بعد",
        "قبل",
        "حتى",
        "منذ",
        "خلال",
        "عند",
        "نحو",
        "حوالي",
        "اكثر",
        "اقل",
        "وفق",
        "بحسب",
        "حسب",
        "كما",
        "فيما",
        "بينما",
        "لكن",
        "the",
        "and",
        "that",
        "which",
        "with",
        "from",
        "about",
        "than",
        "were",
        "was",
        "are",
        "have",
        "has",
        "had",
        "been",
        "being",
        "will",
        "would",
        "could",
        "their",
        "they",
        "this",
        "these",
        "those",
        "some",
    )
}


def number_conflicts(
    quantities: Sequence[Located[Quantity]],
    ctx: Context,
    passage_start: Starts,
) -> list[Finding]:
    """Return different figures for the same counted thing in aligned reports."""
    findings: list[Finding] = []
    seen: set[tuple[str, ...]] = set()
    skip = {"year", "ordinal", "fraction"}
    around: dict[int, tuple[tuple[str, ...], bool, str]] = {}
    for eid, a, b in _facet_pairs(quantities, ctx, passage_start, _quantity_keys, direct=True):
        qa, qb = a.fact, b.fact
        if not qa.noun_key or skip & (set(qa.qualifiers) | set(qb.qualifiers)):
            continue
        if not same_counted_thing(qa, qb):
            continue
        for item in (a, b):
            if id(item) not in around:
                around[id(item)] = _context(ctx, item)
        context_a, increment_a, stance_a = around[id(a)]
        context_b, increment_b, stance_b = around[id(b)]
        if increment_a or increment_b or stance_a != stance_b:
            continue
        casualty = bool(CASUALTY & set(qa.qualifiers) & set(qb.qualifiers))
        shared = set(context_a).intersection(context_b)
        if not casualty and not shared:
            continue  # 14 drones took part vs 3 drones hit: not the same count
        if "percent" in qa.qualifiers and len(shared) < 2:
            continue  # percentages of what: the words around them must agree
        pa, pb = ctx.published.get(a.document), ctx.published.get(b.document)
        later = None
        if pa and pb and pa != pb:
            later = qb if _later(pb, pa) else qa
            rose = later.value > min(qa.value, qb.value)
            hours = abs((_naive(pa) - _naive(pb)).total_seconds()) / 3600
            if rose and ("updated" in later.qualifiers or (casualty and hours >= 2)):
                continue  # a toll that rose in a later report is an update
        if _compatible(qa, qb, later):
            continue
        exact = not (qa.approximate or qb.approximate or qa.bound or qb.bound)
        confidence = 0.8 if exact else 0.55
        if pa and pb and abs((_naive(pa) - _naive(pb)).total_seconds()) > 6 * 3600:
            confidence -= 0.15  # figures published hours apart may both have been true
        key = (eid, qa.noun_key, *sorted([f"{qa.value:g}", f"{qb.value:g}"]))
        if key in seen:
            continue
        seen.add(key)
        na, nb = f"{qa.value:g} {qa.noun_key}", f"{qb.value:g} {qb.noun_key}"
        paths = [ctx.paths[a.document], ctx.paths[b.document]]
        findings.append(
            Finding(
                id=fingerprint("number_conflict", [na, nb], paths),
                kind="number_conflict",
                severity=_severity(confidence, exact),
                confidence=round(confidence, 3),
                event=eid,
                summary=f"Different figures for {qa.noun or qa.noun_key}: "
                f"{qa.number_text} ({a.document}) vs {qb.number_text} ({b.document})",
                values=(
                    _value(ctx, f"{qa.number_text} {qa.noun}".strip(), na, [(a, qa.start, qa.end)]),
                    _value(ctx, f"{qb.number_text} {qb.noun}".strip(), nb, [(b, qb.start, qb.end)]),
                ),
            )
        )
    return findings


def _naive(t: datetime) -> datetime:
    return t.replace(tzinfo=None) - (t.utcoffset() or (t - t))


def _later(a: datetime, b: datetime) -> bool:
    return _naive(a) > _naive(b)
