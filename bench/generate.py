"""Generate a reproducible synthetic Arabic news corpus for the scale benchmarks.

    python bench/generate.py --n 1000 --out /tmp/dedupe-bench/n1000
    python bench/generate.py --n 100000 --new 100 --out /tmp/dedupe-bench/n100000

Everything is built from text that ships in this repository: the five real articles in
`seeds/` and the invented articles in `bench/corpora/dev/` (front matter, boilerplate, short
and Latin-script lines removed; sentences de-duplicated). Names, places and figures are
replaced per event from generated pools (pseudo-words made of Arabic letters, random
numbers), so thousands of events can share a few dozen source stories without sharing their
wording.

Structure (all driven by one seeded random generator, written as it goes):

- an *event* takes a source story and a substitution of its rare words and numbers;
- 1-6 *outlets* report it independently: the story's sentences are sampled, reordered,
  lightly reworded (a word dropped, a reporting verb changed, clauses swapped), mixed with
  a sentence or two from another story, regrouped into paragraphs and padded with
  background paragraphs from other stories to a realistic 300-800 words;
- a report may be *syndicated*: exact copies (same headline and body, another outlet) and
  near copies (a new headline plus a changed first sentence, an added outlet/source line
  and/or a dropped last paragraph);
- some events are *unrelated* single articles.

Output: ``OUT/articles/YYYY-MM-DD/*.md`` (``--n`` articles with YAML front matter ``title``,
``outlet``, ``published`` with the outlet's time zone, spread over eight weeks),
``OUT/new/YYYY-MM-DD/*.md`` (``--new`` articles published after all of them: late copies,
follow-up reports of recent events and new events; the same ``--n`` and ``--seed`` give the
same ``articles/`` whatever ``--new`` is) and ``OUT/truth.json`` (copy groups and event
membership, paths relative to OUT).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = (ROOT / "seeds", ROOT / "bench" / "corpora" / "dev")
SCHEMA = "dedupe.bench-synthetic/1"
START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
DEFAULT_SEED = 20260105
RECENT = 300  # events and reports the later articles may follow up or copy
SUBSTITUTE = 0.8  # share of a story's rare words (names, places) replaced per event
SPAN_DAYS = 56
MIN_WORDS, MAX_WORDS, MEDIAN_WORDS = 300, 800, 430

ARABIC = re.compile(r"[\u0621-\u064A]")
LATIN = re.compile(r"[A-Za-z]")
DIGITS = re.compile(r"^[0-9\u0660-\u0669]+$")
# Lines that are page furniture rather than article text (read more, share, follow us...).
FURNITURE = re.compile(r"اقرأ|إقرأ|لقراءة|تابعونا|شارك|للمزيد|جميع الحقوق|نشرت في|اضغط")
SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+")
TOKEN = re.compile(r"^(\W*?)(\w[\w\u064B-\u065F\u0670]*?)([\W\u064B-\u065F\u0670]*)$")
PREFIXES = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
CONSONANTS = "بتجحخدرزسشصطعغفقكلمنهو"
LONG_VOWELS = ("ا", "و", "ي", "", "", "")
ENDINGS = ("", "", "", "وف", "ان", "ين", "ي", "ون", "ستان", "ية")
OUTLET_KINDS = ("وكالة", "صحيفة", "قناة", "موقع", "إذاعة", "شبكة", "مجلة", "بوابة")
TIME_ZONES = (0, 1, 2, 3, 3, 3, 4, -5)
REPORTING_VERBS = ("قال", "أضاف", "أوضح", "أكد", "ذكر", "أعلن", "أشار")


# --- source text --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a source sentence, split so that it can be substituted and re-rendered."""

    lead: str
    prefix: str
    base: str
    trail: str
    number: bool


@dataclass(slots=True)
class Story:
    """One source article: its headline (if any) and its sentences, tokenized."""

    path: str
    title: list[Token]
    sentences: list[list[Token]]
    rare: frozenset[str] = frozenset()


def _tokenize(text: str) -> list[Token]:
    out = []
    for raw in text.split():
        m = TOKEN.match(raw)
        if not m:
            out.append(Token(raw, "", "", "", False))
            continue
        lead, core, trail = m.groups()
        if DIGITS.match(core):
            out.append(Token(lead, "", core, trail, True))
            continue
        prefix = ""
        for p in PREFIXES:
            if core.startswith(p) and len(core) - len(p) >= 3:
                prefix, core = p, core[len(p) :]
                break
        out.append(Token(lead, prefix, core, trail, False))
    return out


def _front_matter(text: str) -> tuple[str | None, str]:
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not m:
        return None, text
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', m.group(1), re.M)
    return (title.group(1) if title else None), text[m.end() :]


def load_stories() -> list[Story]:
    """Return the Arabic source stories of the repository, cleaned of page furniture."""
    stories: list[Story] = []
    seen: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".txt", ".md"):
                continue
            title, body = _front_matter(path.read_text(encoding="utf-8"))
            lines = [line.strip() for line in body.splitlines() if line.strip()]
            if title is None and lines and len(lines[0].split()) <= 20:
                if not re.search(r"[.!؟]$", lines[0]):
                    title = lines.pop(0)
            sentences: list[list[Token]] = []
            for line in lines:
                if len(line.split()) < 8 or FURNITURE.search(line):
                    continue
                if len(LATIN.findall(line)) > len(ARABIC.findall(line)):
                    continue
                for sentence in SENTENCE_END.split(line):
                    key = re.sub(r"\W+", "", sentence)
                    if len(sentence.split()) < 5 or key in seen:
                        continue
                    seen.add(key)
                    sentences.append(_tokenize(sentence))
            if len(sentences) >= 3:
                head = _tokenize(title) if title else sentences[0][:10]
                stories.append(Story(str(path.relative_to(ROOT)), head, sentences))
    df: dict[str, int] = {}
    for story in stories:
        for base in {t.base for s in story.sentences for t in s if not t.number}:
            df[base] = df.get(base, 0) + 1
    limit = max(2, len(stories) // 7)
    for story in stories:
        story.rare = frozenset(
            t.base
            for s in story.sentences
            for t in s
            if not t.number and len(t.base) >= 3 and df.get(t.base, 0) <= limit
        )
    return stories


# --- generated pools ----------------------------------------------------------------------


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` distinct pronounceable pseudo-words in Arabic letters (names, places)."""
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.choice((2, 2, 3))
        word = "".join(rng.choice(CONSONANTS) + rng.choice(LONG_VOWELS) for _ in range(syllables))
        word = word + rng.choice(CONSONANTS) + rng.choice(ENDINGS)
        if 4 <= len(word) <= 11:
            words.add(word)
    return sorted(words)


@dataclass(frozen=True, slots=True)
class Outlet:
    """A news outlet: its name, a slug for file names, its time zone and habits."""

    name: str
    slug: str
    tz: timezone
    footer: bool


def make_outlets(rng: random.Random, names: list[str], count: int) -> list[Outlet]:
    """Return ``count`` outlets with generated names (an outlet kind word + a pseudo-name)."""
    outlets = []
    for i in range(count):
        name = f"{rng.choice(OUTLET_KINDS)} {names[i]}"
        if rng.random() < 0.3:
            name += f" {names[count + i]}"
        tz = timezone(timedelta(hours=rng.choice(TIME_ZONES)))
        outlets.append(Outlet(name, f"o{i:03d}", tz, rng.random() < 0.4))
    return outlets


# --- rendering ----------------------------------------------------------------------------


class Substitution:
    """A consistent replacement of a story's rare words and numbers (one event's names,
    places and figures); filled lazily so it costs only what is rendered."""

    def __init__(self, rng: random.Random, pool: list[str], rare: frozenset[str], p: float):
        self.rng = rng
        self.pool = pool
        self.rare = rare
        self.p = p
        self.words: dict[str, str] = {}
        self.numbers: dict[str, str] = {}

    def word(self, base: str) -> str:
        got = self.words.get(base)
        if got is None:
            keep = base not in self.rare or self.rng.random() >= self.p
            got = base if keep else self.rng.choice(self.pool)
            self.words[base] = got
        return got

    def number(self, digits: str) -> str:
        got = self.numbers.get(digits)
        if got is None:
            value = int(digits.translate(WESTERN))
            if 1900 <= value <= 2100 and len(digits) == 4:
                new = value
            else:
                low, high = max(1, value // 2), max(3, value * 2)
                new = self.rng.randint(low, high)
            got = str(new)
            if digits.translate(WESTERN) != digits:
                got = got.translate(ARABIC_INDIC)
            self.numbers[digits] = got
        return got


def render(tokens: list[Token], sub: Substitution) -> list[str]:
    """Return the words of ``tokens`` with ``sub`` applied."""
    out = []
    for t in tokens:
        if t.number:
            core = sub.number(t.base)
        elif t.base:
            core = sub.word(t.base)
        else:
            out.append(t.lead)
            continue
        out.append(f"{t.lead}{t.prefix}{core}{t.trail}")
    return out


def reword(words: list[str], rng: random.Random) -> list[str]:
    """Return a light paraphrase of one sentence's words: a reporting verb swapped, a word
    dropped, or its two halves around a comma exchanged."""
    if len(words) < 6:
        return words
    roll = rng.random()
    if roll < 0.3:
        for i, w in enumerate(words):
            core = w[1:] if w.startswith("و") else w
            if core in REPORTING_VERBS:
                verb = rng.choice(REPORTING_VERBS)
                words = [*words[:i], ("و" if core != w else "") + verb, *words[i + 1 :]]
                break
    elif roll < 0.7:
        i = rng.randrange(1, len(words) - 1)
        words = words[:i] + words[i + 1 :]
    else:
        cut = next((i for i, w in enumerate(words[2:-3], 2) if w.endswith("،")), None)
        if cut is not None:
            tail = words[cut + 1 :]
            last = tail[-1].rstrip(".")
            words = [*tail[:-1], last + "،", *words[: cut + 1]]
            words[-1] = words[-1].rstrip("،") + "."
    return words


def paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    """Return the sentences grouped into paragraphs of one to three sentences."""
    out = []
    i = 0
    while i < len(sentences):
        k = rng.choice((1, 2, 2, 3))
        out.append(" ".join(sentences[i : i + k]))
        i += k
    return out


def _words(paras: list[str]) -> int:
    return sum(len(p.split()) for p in paras)


@dataclass(slots=True)
class Event:
    """One news event: a main source story, background stories and the substitution and
    event-level rewording that make it this event."""

    id: str
    story: int
    background: tuple[int, ...]
    time: datetime
    sub: Substitution
    seed: int

    def sentence(self, story: Story, index: int) -> list[str]:
        """Return sentence ``index`` of ``story`` as this event words it (the same in every
        report of the event, before each outlet's own light rewording)."""
        words = render(story.sentences[index], self.sub)
        return reword(words, random.Random(self.seed * 1009 + index * 31 + len(story.path)))


@dataclass(slots=True)
class Article:
    """A generated article; ``path`` is set once it is written."""

    title: str
    body: list[str]
    outlet: Outlet
    published: datetime
    event: str
    role: str  # report | unrelated | copy
    source: Article | None = None  # for copies: the report copied
    copy_kind: str | None = None  # for copies: exact | near
    changes: tuple[str, ...] = ()  # for near copies: what was changed
    path: str | None = None


class Generator:
    """The corpus generator: source stories, generated pools and one random stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.stories = load_stories()
        names = pseudo_words(random.Random(seed + 1), 40_000)
        self.rng.shuffle(names)
        self.outlets = make_outlets(self.rng, names[:200], 60)
        self.pool = names[200:]
        self.story_of: dict[str, list[str]] = {}  # event id → its source stories (main first)
        self.recent_events: dict[str, Event] = {}  # the last RECENT events, oldest first
        self.recent_reports: deque[Article] = deque(maxlen=RECENT)

    def event(self, event_id: str, when: datetime) -> Event:
        """Return a new event (its stories and substitution drawn from the main stream)."""
        rng = self.rng
        story = rng.randrange(len(self.stories))
        others = [i for i in range(len(self.stories)) if i != story]
        background = tuple(rng.sample(others, 2))
        rare = frozenset().union(*(self.stories[i].rare for i in (story, *background)))
        seed = rng.getrandbits(32)
        sub = Substitution(random.Random(seed), self.pool, rare, SUBSTITUTE)
        ev = Event(event_id, story, background, when, sub, seed)
        self.story_of[event_id] = [self.stories[i].path for i in (story, *background)]
        self.recent_events[event_id] = ev
        if len(self.recent_events) > RECENT:
            self.recent_events.pop(next(iter(self.recent_events)))
        return ev

    def _background(self, ev: Event, rng: random.Random) -> list[str]:
        """Return a run of 2-5 sentences from one of the event's background stories."""
        index = rng.choice(ev.background)
        story = self.stories[index]
        k = rng.randint(2, 5)
        start = rng.randrange(max(1, len(story.sentences) - k + 1))
        stop = min(len(story.sentences), start + k)
        return [" ".join(reword(ev.sentence(story, i), rng)) for i in range(start, stop)]

    def report(self, ev: Event, outlet: Outlet, rng: random.Random) -> tuple[str, list[str]]:
        """Return (headline, paragraphs) of one outlet's independent report of ``ev``."""
        story = self.stories[ev.story]
        kept = [i for i in range(1, len(story.sentences)) if rng.random() < 0.75]
        if len(kept) > 3:
            i = rng.randrange(len(kept) - 1)
            j = min(len(kept), i + rng.randint(2, 4))
            block = kept[i:j]
            rng.shuffle(block)
            kept[i:j] = block
        kept.insert(0 if rng.random() < 0.7 else rng.randrange(len(kept) + 1), 0)
        sentences = [
            " ".join(
                reword(ev.sentence(story, i), rng) if rng.random() < 0.5 else ev.sentence(story, i)
            )
            for i in kept
        ]
        if rng.random() < 0.5:
            for s in self._background(ev, rng)[: rng.randint(1, 2)]:
                sentences.insert(rng.randrange(1, len(sentences) + 1), s)
        body = paragraphs(sentences, rng)
        target = _target_words(rng)
        while _words(body) < target:
            body.extend(paragraphs(self._background(ev, rng), rng))
        while len(body) > 3 and _words(body) > MAX_WORDS:
            body.pop()
        if outlet.footer:
            body.append(f"اقرأ أيضاً: {' '.join(render(story.title, ev.sub)[:6])}")
        title = render(story.title, ev.sub)
        if rng.random() < 0.6:
            title = reword(title, rng)
        return " ".join(title), body

    def copies(self, source: Article, rng: random.Random, k: int) -> Iterator[Article]:
        """Yield ``k`` (at most 4) syndicated copies of ``source`` by other outlets."""
        used = {source.outlet.slug}
        for _ in range(min(k, 4)):
            outlet = rng.choice([o for o in self.outlets if o.slug not in used])
            used.add(outlet.slug)
            if rng.random() < 0.4:
                copy = Article(
                    source.title,
                    list(source.body),
                    outlet,
                    source.published,
                    source.event,
                    "copy",
                    source,
                    "exact",
                )
            else:
                copy = self.near_copy(source, outlet, rng)
            copy.published = source.published + timedelta(minutes=rng.uniform(10, 720))
            yield copy

    def near_copy(self, source: Article, outlet: Outlet, rng: random.Random) -> Article:
        """Return a near copy of ``source``: a new headline and a changed body. One or two of:
        the first sentence cut or given a dateline, a source line added, the last paragraph
        dropped, a few sentences lightly edited; sometimes also abridged to its first half or
        more (the hard cases)."""
        body = list(source.body)
        words = body[0].split()
        changes = rng.sample(("lead", "credit", "trim", "edit"), rng.randint(1, 2))
        if rng.random() < 0.2:
            changes.append("abridge")
        if "lead" in changes:
            if rng.random() < 0.5 and len(words) > 12:
                body[0] = " ".join(words[rng.randint(2, 5) :])
            else:
                body[0] = f"{source.outlet.name.split()[-1]} - {body[0]}"
        if "edit" in changes:
            body = [" ".join(reword(p.split(), rng)) if rng.random() < 0.4 else p for p in body]
        if "trim" in changes and len(body) > 4:
            body.pop(-2 if source.outlet.footer else -1)
        if "abridge" in changes:
            body = body[: max(3, round(len(body) * rng.uniform(0.5, 0.85)))]
        if "credit" in changes:
            body.insert(rng.choice((0, len(body))), f"({source.outlet.name})")
        title_words = source.title.split()
        title = " ".join(reword(title_words, rng)) if len(title_words) > 5 else source.title
        if title == source.title:
            title = f"{source.title} ({outlet.name.split()[-1]})"
        copy = Article(title, body, outlet, source.published, source.event, "copy", source, "near")
        copy.changes = tuple(sorted(changes))
        return copy

    def event_articles(
        self, ev: Event, rng: random.Random, *, unrelated: bool
    ) -> Iterator[Article]:
        """Yield the reports of ``ev`` by 1-6 outlets, each followed by its copies."""
        n_reports = 1 if unrelated else min(6, 1 + int(rng.expovariate(0.8)))
        for outlet in rng.sample(self.outlets, n_reports):
            published = ev.time + timedelta(hours=rng.uniform(0.2, 30))
            title, body = self.report(ev, outlet, rng)
            report = Article(
                title, body, outlet, published, ev.id, "unrelated" if unrelated else "report"
            )
            yield report
            if not unrelated and rng.random() < 0.35:
                yield from self.copies(report, rng, 1 + int(rng.expovariate(1.2)))

    def stream(self, count: int) -> Iterator[Article]:
        """Yield the articles of successive events, spaced so that ``count`` articles (about
        3.2 per event) fill SPAN_DAYS."""
        step = timedelta(days=SPAN_DAYS) / max(1.0, count / 3.2)
        when = START
        number = 0
        while True:
            number += 1
            when = when + step * self.rng.expovariate(1.0)
            ev = self.event(f"ev{number:06d}", when)
            yield from self.event_articles(ev, self.rng, unrelated=self.rng.random() < 0.12)

    def later(self, count: int, after: datetime) -> Iterator[Article]:
        """Yield ``count`` articles published after ``after``: late copies of recent reports,
        further reports of recent events, and new events (with their copies)."""
        rng = random.Random(self.rng.getrandbits(32))
        reports = list(self.recent_reports)
        events = list(self.recent_events.values())
        number = 0

        def when() -> datetime:
            return after + timedelta(hours=rng.uniform(0.1, 24))

        produced = 0
        while produced < count:
            roll = rng.random()
            if roll < 0.35 and reports:
                batch = list(self.copies(rng.choice(reports), rng, 1))
            elif roll < 0.7 and events:
                ev = rng.choice(events)
                outlet = rng.choice(self.outlets)
                title, body = self.report(ev, outlet, rng)
                batch = [Article(title, body, outlet, after, ev.id, "report")]
            else:
                number += 1
                ev = self.event(f"new{number:06d}", after)
                batch = list(self.event_articles(ev, rng, unrelated=False))
            for article in batch[: count - produced]:
                article.published = max(article.published, when())
                produced += 1
                yield article


def _target_words(rng: random.Random) -> int:
    value = int(rng.lognormvariate(0, 0.3) * MEDIAN_WORDS)
    return max(MIN_WORDS, min(MAX_WORDS, value))


class Writer:
    """Writes articles to disk as they come and records the truth about them."""

    def __init__(self, out: Path, seed: int) -> None:
        self.out = out
        self.seed = seed
        self.count = 0
        self.words = 0
        self.groups: dict[str, list[dict[str, object]]] = {}  # source path → copies
        self.events: dict[str, list[str]] = {}
        self.unrelated: set[str] = set()

    def write(self, article: Article, folder: str) -> str:
        self.count += 1
        digest = hashlib.sha1(f"{self.seed}:{self.count}".encode()).hexdigest()[:12]
        day = article.published.astimezone(article.outlet.tz).date().isoformat()
        rel = f"{folder}/{day}/{article.outlet.slug}-{digest}.md"
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        published = article.published.astimezone(article.outlet.tz).replace(microsecond=0)
        front = (
            f"---\ntitle: {json.dumps(article.title, ensure_ascii=False)}\n"
            f"outlet: {json.dumps(article.outlet.name, ensure_ascii=False)}\n"
            f'published: "{published.isoformat()}"\n---\n'
        )
        path.write_text(front + "\n\n".join(article.body) + "\n", encoding="utf-8")
        article.path = rel
        self.words += _words(article.body)
        self.events.setdefault(article.event, []).append(rel)
        if article.role == "unrelated":
            self.unrelated.add(article.event)
        if article.source is not None:
            assert article.source.path is not None
            entry: dict[str, object] = {"path": rel, "kind": article.copy_kind or "near"}
            if article.changes:
                entry["changes"] = list(article.changes)
            self.groups.setdefault(article.source.path, []).append(entry)
        return rel

    def truth(self, gen: Generator, n: int, new: int, seconds: float) -> dict[str, object]:
        groups = [
            {
                "kind": "exact" if all(c["kind"] == "exact" for c in copies) else "near",
                "source": source,
                "copies": copies,
            }
            for source, copies in self.groups.items()
        ]
        return {
            "schema": SCHEMA,
            "seed": self.seed,
            "n": n,
            "new": new,
            "documents": self.count,
            "words": self.words,
            "seconds": round(seconds, 1),
            "sources": [s.path for s in gen.stories],
            "copy_groups": groups,
            "events": [
                {
                    "id": eid,
                    "stories": gen.story_of.get(eid),
                    "unrelated": eid in self.unrelated,
                    "documents": docs,
                }
                for eid, docs in self.events.items()
            ],
        }


def generate(out: Path, n: int, *, seed: int = DEFAULT_SEED, new: int = 0) -> dict[str, object]:
    """Write ``n`` articles under ``out/articles`` (and ``new`` later ones under ``out/new``),
    then ``out/truth.json``; return the truth."""
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    writer = Writer(out, seed)
    last = START
    stream = gen.stream(n)
    for _ in range(n):
        article = next(stream)
        writer.write(article, "articles")
        if article.role != "copy":
            gen.recent_reports.append(article)
        last = max(last, article.published)
    for article in gen.later(new, last):
        writer.write(article, "new")
    truth = writer.truth(gen, n, new, time.perf_counter() - began)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output folder (new or empty)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--new", type=int, default=0, help="later articles, written to OUT/new")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"generate: {args.out} is not empty", file=sys.stderr)
        return 2
    truth = generate(args.out, args.n, seed=args.seed, new=args.new)
    print(
        f"generate: {truth['documents']} articles, {truth['words']} words, "
        f"{len(truth['copy_groups'])} copy groups, {len(truth['events'])} events "
        f"in {truth['seconds']} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
