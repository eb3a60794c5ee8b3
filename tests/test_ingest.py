from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from dedupe.errors import ConfigError
from dedupe.ingest import decode, ingest
from dedupe.parallel import call_apart
from dedupe.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

ARTICLE = (
    "أعلنت وزارة الصحة في مدينة الساحل يوم الثلاثاء أن حصيلة الفيضانات ارتفعت إلى 19 قتيلاً، "
    "فيما لا يزال فريق الإنقاذ يبحث عن مفقودين في القرى المنكوبة شرق البلاد.\n"
    "وقال المتحدث باسم الوزارة سامي الحداد إن المستشفيات استقبلت عشرات المصابين منذ الفجر.\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def by_path(corpus) -> dict[str, dict]:
    return {row["path"]: row for row in corpus.documents.iter_rows(named=True)}


def test_seeds_are_read_with_titles_and_boilerplate_marked():
    corpus = ingest(SEEDS, Settings())
    docs = by_path(corpus)
    assert sorted(docs) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all(d["encoding"] == "utf-8" for d in docs.values())
    assert docs["004_9f777eadf6025f7f.txt"]["title"].startswith("في محاولة لوقف الحرب")
    boiler = corpus.with_text(corpus.passages).filter(pl.col("kind") == "boilerplate")
    texts = boiler["text"].to_list()
    assert "نشرت في" in texts
    assert "Loading" in texts
    assert "gettyimages 2248985695 jpg" in texts
    assert "اقرأ أيضاً" in texts
    assert any(t.startswith("Ali Hussain is an award-winning") for t in texts)
    assert any(t.startswith("لقراءة المقال بالكامل") for t in texts)
    repeated = boiler.filter(pl.col("reason") == "repeats an earlier line")
    assert repeated["text"].to_list() == [docs["004_9f777eadf6025f7f.txt"]["title"]]
    # no real article sentence is thrown away
    body = corpus.content_passages()["text"].to_list()
    assert any("رستم عمروف" in t for t in body)
    assert any("137 طائرة مسيّرة" in t for t in body)


def test_passage_offsets_index_the_document_text(tmp_path):
    # characters outside the basic plane, combining marks, direction marks and a BOM: polars
    # slices by character as Python does, so a passage's text is its document's text[start:end]
    shutil.copytree(SEEDS, tmp_path / "seeds")
    write(
        tmp_path / "seeds" / "zz_marks.md",
        "\ufeff---\noutlet: و\n---\n# عنوان 🇺🇦 الخبر\n\n"
        "قالَ المتحدثُ 😀 إن \u200fالاجتماع\u200f عُقد يوم الأحد في مدينة 𝔸 الساحلية.\n\n"
        "وأضاف أن 🤝 الوفدين اتفقا على مواصلة المحادثات خلال الأسبوع المقبل في العاصمة.\n",
    )
    corpus = ingest(tmp_path / "seeds", Settings())
    texts = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))
    shuffled = corpus.passages.sample(fraction=1.0, shuffle=True, seed=3)
    rows = corpus.with_text(shuffled)
    assert rows.drop("text").equals(shuffled)  # the rows as given, in their order
    for row in rows.iter_rows(named=True):
        assert texts[row["document"]][row["start"] : row["end"]] == row["text"]
    body = corpus.content_passages()["text"].to_list()
    assert any(t.startswith("قالَ المتحدثُ 😀") and t.endswith("الساحلية.") for t in body)
    original = (SEEDS / "001_b4fc77da7ee670a9.txt").read_text(encoding="utf-8")
    assert texts["d2"] == original


def test_markdown_front_matter_keeps_time_zone_and_offsets(tmp_path):
    md = (
        "---\ntitle: فيضانات الساحل\noutlet: وكالة الشرق\npublished: 2026-03-06T14:30:00+03:00\n"
        "url: https://example.org/a\n---\n" + ARTICLE
    )
    write(tmp_path / "a.md", md)
    corpus = ingest(tmp_path, Settings())
    doc = corpus.documents.row(0, named=True)
    assert doc["title"] == "فيضانات الساحل"
    assert doc["outlet"] == "وكالة الشرق"
    assert doc["published"] == "2026-03-06T14:30:00+03:00"
    first = corpus.passages.row(0, named=True)
    assert md[first["start"] : first["end"]].startswith("أعلنت وزارة الصحة")


def test_json_jsonl_and_manifest(tmp_path):
    write(
        tmp_path / "one.json",
        json.dumps(
            {"body": ARTICLE, "headline": "عنوان", "source": "صحيفة أ", "date": "2026-03-06"},
            ensure_ascii=False,
        ),
    )
    lines = [
        json.dumps({"text": ARTICLE, "outlet": "ب"}, ensure_ascii=False),
        "{not json",
        json.dumps({"content": ARTICLE.replace("19", "21"), "published": "2026-03-07T09:00:00Z"}),
    ]
    write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    write(
        tmp_path / "meta.csv",
        "file,outlet,published,url,title\none.json,صحيفة المنار,2026-03-06T10:00:00+02:00,,\n",
    )
    corpus = ingest(tmp_path, Settings(), manifest=tmp_path / "meta.csv")
    docs = by_path(corpus)
    assert sorted(docs) == ["many.jsonl#L1", "many.jsonl#L3", "one.json"]
    assert docs["one.json"]["outlet"] == "صحيفة المنار"  # manifest overrides
    assert docs["one.json"]["title"] == "عنوان"  # manifest leaves empty cells alone
    assert docs["one.json"]["published"] == "2026-03-06T10:00:00+02:00"
    assert docs["many.jsonl#L3"]["published"] == "2026-03-07T09:00:00+00:00"
    assert any("1 line(s) that are not articles" in w for w in corpus.warnings)
    assert "meta.csv" not in [s.path for s in corpus.skipped]


def test_html_main_text_is_extracted(tmp_path):
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE.splitlines())
    html = (
        "<html><head><title>فيضانات</title></head><body><nav><a href='/'>الرئيسية</a>"
        "<a href='/sport'>رياضة</a></nav><article><h1>فيضانات الساحل</h1>"
        f"{paragraphs}</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    write(tmp_path / "page.html", html)
    corpus = ingest(tmp_path, Settings())
    doc = corpus.documents.row(0, named=True)
    assert "حصيلة الفيضانات ارتفعت إلى 19 قتيلاً" in doc["text"]
    assert "الرئيسية" not in doc["text"]
    assert doc["format"] == "html"


@pytest.mark.parametrize("encoding", ["cp1256", "utf-16", "utf-16-le", "utf-8-sig"])
def test_encodings_are_detected_and_recorded(tmp_path, encoding):
    write(tmp_path / "a.txt", ARTICLE, encoding)
    corpus = ingest(tmp_path, Settings())
    doc = corpus.documents.row(0, named=True)
    assert doc["text"].replace("\ufeff", "") == ARTICLE
    expected = {"cp1256": "cp1256", "utf-16": "utf-16-le", "utf-16-le": "utf-16-le"}
    assert doc["encoding"] == expected.get(encoding, encoding)


def test_invalid_utf8_bytes_are_replaced_with_a_warning():
    data = ARTICLE.encode() + b"\xff\xfe\xfa" + ARTICLE.encode()
    text, encoding, warnings = decode(data)
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 3
    assert warnings == ["3 invalid UTF-8 byte sequence(s) replaced with U+FFFD"]


def test_bad_inputs_are_skipped_with_reasons(tmp_path):
    write(tmp_path / "good.txt", ARTICLE)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n ")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    with (tmp_path / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    write(tmp_path / "notarticle.json", '{"id": 7, "tags": ["a"]}')
    write(tmp_path / "broken.json", '{"text": ')
    write(
        tmp_path / "nav.html",
        "<html><body><nav><a href='/'>Home</a> | <a>News</a></nav></body></html>",
    )
    write(tmp_path / "short.txt", "خبر قصير")
    write(tmp_path / "image.png", "not really an image")
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    corpus = ingest(tmp_path, Settings())
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert list(corpus.documents["path"]) == ["good.txt"]
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"] == "empty file"
    assert reasons["binary.txt"] == "binary file (NUL bytes)"
    assert reasons["huge.txt"].startswith("too large (200.0 MB > 20 MB limit")
    assert reasons["notarticle.json"].startswith("JSON is not an article")
    assert reasons["broken.json"].startswith("invalid JSON")
    assert reasons["nav.html"].startswith("no main text found in HTML")
    assert reasons["short.txt"] == "too little article text (0 words)"
    assert reasons["image.png"] == "not an article format (.png)"
    assert reasons["loop_a"] == "symlink loop"
    assert reasons["loop_b"] == "symlink loop"
    assert len(reasons) == 11


def test_empty_folder_and_missing_folder(tmp_path):
    corpus = ingest(tmp_path, Settings())
    assert corpus.documents.height == 0
    assert corpus.warnings == (f"no articles found under {tmp_path}",)
    with pytest.raises(ConfigError, match="folder not found"):
        ingest(tmp_path / "missing", Settings())


def test_outlet_boilerplate_repeated_across_its_articles(tmp_path):
    footer = "صحيفة النهار اليومية تصدر عن دار النهار للطباعة والنشر في العاصمة"
    bodies = [
        ARTICLE,
        "افتتح وزير النقل صباح الأحد الخط الثاني لقطار الأنفاق في العاصمة بطول 18 كيلومترا، "
        "ويضم الخط 14 محطة تخدم الأحياء الشرقية المكتظة بالسكان.\n",
    ]
    for i, body in enumerate(bodies):
        write(tmp_path / f"n{i}.md", f"---\noutlet: صحيفة النهار\n---\n{body}{footer}\n")
    # a copy of one article by the same outlet shares all its lines: that is not template text
    shutil.copy(tmp_path / "n0.md", tmp_path / "n0_copy.md")
    corpus = ingest(tmp_path, Settings())
    passages = corpus.with_text(corpus.passages)
    footers = passages.filter(pl.col("text") == footer)
    assert footers.height == 3
    assert set(footers["kind"]) == {"boilerplate"}
    assert set(footers["reason"]) == {"repeated across this outlet's articles"}
    copy_body = passages.filter(pl.col("text").str.starts_with("أعلنت وزارة الصحة"))
    assert copy_body.height == 2
    assert set(copy_body["kind"]) == {"body"}


def test_frames_made_in_blocks_are_the_frames_of_one_block(tmp_path, monkeypatch):
    from dedupe import ingest as ingest_module

    _mixed_folder(tmp_path)  # five articles, with short ones skipped between them
    write(tmp_path / "sub" / "tiny.txt", "خبر قصير جدا")
    whole = ingest(tmp_path, Settings())
    monkeypatch.setattr(ingest_module, "FRAME_BLOCK", 2)
    blocks = ingest(tmp_path, Settings())
    assert whole.documents.height == 5
    assert blocks.documents.equals(whole.documents)
    assert blocks.passages.equals(whole.passages)
    assert blocks.skipped == whole.skipped
    assert list(blocks.documents["id"]) == [f"d{k}" for k in range(1, 6)]


def _mixed_folder(root: Path) -> None:
    write(root / "good.txt", ARTICLE)
    write(root / "arabic-1256.txt", ARTICLE.replace("19", "23"), encoding="cp1256")
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    write(root / "short.txt", "خبر قصير")
    write(root / "image.png", "not really an image")
    lines = [
        json.dumps({"text": ARTICLE.replace("19", "31"), "outlet": "ب"}, ensure_ascii=False),
        "{not json",
        json.dumps({"content": ARTICLE.replace("19", "21"), "published": "2026-03-07T09:00:00Z"}),
    ]
    write(root / "sub" / "many.jsonl", "\n".join(lines) + "\n")
    write(root / "sub" / "a.md", f"---\noutlet: صحيفة أ\ntitle: عنوان\n---\n{ARTICLE}")
    for path in root.rglob("*"):
        if path.is_file():
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))


def test_incremental_ingest_gives_what_a_full_ingest_gives_and_reads_only_changes(
    tmp_path, monkeypatch
):
    from dedupe import ingest as ingest_module
    from dedupe.ingest import ingest_incremental

    _mixed_folder(tmp_path)
    settings = Settings()
    full = ingest(tmp_path, settings)
    first = ingest_incremental(tmp_path, settings)
    assert first.corpus.documents.equals(full.documents)
    assert first.corpus.passages.equals(full.passages)
    assert (first.corpus.skipped, first.corpus.warnings) == (full.skipped, full.warnings)
    assert first.parsed == set(full.documents["id"])
    assert sorted(first.files["path"]) == [
        "arabic-1256.txt", "binary.txt", "empty.txt", "good.txt", "short.txt", "sub/a.md",
        "sub/many.jsonl",
    ]  # fmt: skip

    read: list[str] = []
    real = ingest_module.read_articles

    def spy(path, rel, settings):
        read.append(rel)
        return real(path, rel, settings)

    monkeypatch.setattr(ingest_module, "read_articles", spy)
    known = set(full.documents["sha256"])
    again = ingest_incremental(tmp_path, settings, index=first.files, known=known)
    assert read == []
    assert again.parsed == frozenset()
    assert again.corpus.documents.drop("text").equals(full.documents.drop("text"))
    assert again.corpus.documents["text"].null_count() == full.documents.height
    assert (again.corpus.skipped, again.corpus.warnings) == (full.skipped, full.warnings)
    assert again.files.equals(first.files)

    # a document the state does not know is read again, even with an unchanged stat
    partly = ingest_incremental(
        tmp_path, settings, index=first.files, known=known - {full.documents["sha256"][0]}
    )
    assert read == [full.documents["path"][0]]
    assert partly.corpus.documents.drop("text").equals(full.documents.drop("text"))
    # other settings: every article file is read again
    read.clear()
    ingest_incremental(tmp_path, Settings(min_words=16), index=first.files, known=known)
    assert len(read) == 7


def test_a_first_incremental_ingest_of_many_files_reads_them_apart_with_the_same_result(
    tmp_path, monkeypatch
):
    """Without stored documents to ask for template lines (a first check), many files are
    parsed in a process of their own, as a full ingest's are; with them, here (the context
    of the lines read is asked for in this process)."""
    from dedupe import ingest as ingest_module
    from dedupe.ingest import ingest_incremental

    _mixed_folder(tmp_path)
    settings = Settings()
    here = ingest_incremental(tmp_path, settings)
    handed: list[str] = []

    def counted(fn, *args):
        handed.append(fn.__name__)
        return call_apart(fn, *args)

    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 3)
    monkeypatch.setattr(ingest_module, "call_apart", counted)
    apart = ingest_incremental(tmp_path, settings)
    assert handed == ["_parse_to_ipc"]
    assert apart.corpus.documents.equals(here.corpus.documents)
    assert apart.corpus.passages.equals(here.corpus.passages)
    assert (apart.corpus.skipped, apart.corpus.warnings) == (
        here.corpus.skipped,
        here.corpus.warnings,
    )
    assert apart.files.equals(here.files) and apart.parsed == here.parsed

    # a new file next to stored ones: the stored lines are the context, and it is read here
    write(tmp_path / "new.txt", ARTICLE.replace("19", "37"))
    asked: list[int] = []
    monkeypatch.setattr(ingest_module, "call_apart", pytest.fail)  # must not be reached
    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 1)
    later = ingest_incremental(
        tmp_path,
        settings,
        index=here.files,
        known=set(here.corpus.documents["sha256"]),
        context=lambda keys, present: asked.append(len(present)) or [],
    )
    assert asked == [here.corpus.documents.height]
    assert later.corpus.documents.height == here.corpus.documents.height + 1


def test_a_reused_entry_gives_what_its_file_gave_field_for_field(tmp_path, monkeypatch):
    """Reused index entries are decoded on columns (polars' JSON reader, not json.loads): the
    documents, skips and warnings must be those the parsed file gave, escapes and all."""
    from dedupe import ingest as ingest_module
    from dedupe.ingest import ingest_incremental

    title = 'عنوان "مقتبس" \\ مع\tجدولة\u0001 وسطر\nثان 😀'
    items = [
        {"text": ARTICLE, "title": title, "outlet": {"name": "وكالة"}, "url": " https://x.test/أ "},
        {"id": 3},
        {"content": ARTICLE.replace("19", "23"), "published": "not a date"},
        {"body": "قصير"},
    ]
    write(tmp_path / "list.json", json.dumps(items, ensure_ascii=False))
    write(tmp_path / "one.jsonl", json.dumps({"text": ARTICLE.replace("19", "29")}) + "\n{no\n")
    write(tmp_path / "short.txt", "خبر قصير")
    (tmp_path / "empty.txt").write_bytes(b"")
    _mixed_folder(tmp_path / "mixed")  # dates every file an hour back: entries are trusted
    settings = Settings()
    first = ingest_incremental(tmp_path, settings)
    assert first.corpus.documents.filter(pl.col("title") == title).height == 1

    read: list[str] = []
    real = ingest_module.read_articles
    monkeypatch.setattr(
        ingest_module, "read_articles", lambda p, rel, s: read.append(rel) or real(p, rel, s)
    )
    known = set(first.corpus.documents["sha256"])
    again = ingest_incremental(tmp_path, settings, index=first.files, known=known)
    assert read == []
    expected = first.corpus.documents.with_columns(text=pl.lit(None, pl.String))
    assert again.corpus.documents.equals(expected)
    assert (again.corpus.skipped, again.corpus.warnings) == (
        first.corpus.skipped,
        first.corpus.warnings,
    )
    assert again.files.equals(first.files)


def test_the_walk_gives_relative_paths_as_relative_path_does(tmp_path, monkeypatch):
    from dedupe.ingest import excluded_paths, relative_path, walk_files

    for name in ("a.txt", "dir.v2/b.md", "sub/c.txt", ".hidden.txt", "skip/d.txt", "e.txt"):
        write(tmp_path / name, ARTICLE)
    (tmp_path / "link").symlink_to(tmp_path / "sub", target_is_directory=True)
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for root in (tmp_path, Path("."), Path("../" + tmp_path.name)):
        walked = walk_files(root, excluded_paths([tmp_path / "skip", tmp_path / "e.txt"]))
        assert [rel for _, rel, _, _ in walked] == ["a.txt", "dir.v2/b.md", "link/c.txt"]
        assert [relative_path(Path(f), root) for f, _, _, _ in walked] == [
            rel for _, rel, _, _ in walked
        ]


@pytest.mark.parametrize(
    "name", ["a.txt", "a.TXT", "a.b.md", "a.", "a..", "noext", ".hidden", "..txt", "d.v2/x", "x/.y"]
)
def test_the_walk_takes_a_file_s_suffix_as_pathlib_does(name):
    from pathlib import PurePosixPath

    from dedupe.ingest import _suffix

    assert _suffix(name) == PurePosixPath(name).suffix


def test_a_symlink_loop_is_skipped_when_paths_are_excluded(tmp_path):
    write(tmp_path / "good.txt", ARTICLE)
    write(tmp_path / "excluded.txt", ARTICLE)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    corpus = ingest(tmp_path, Settings(), exclude=[tmp_path / "excluded.txt"])
    assert {s.path: s.reason for s in corpus.skipped} == {"loop": "symlink loop"}
    assert list(corpus.documents["path"]) == ["good.txt"]


def test_many_files_are_read_in_a_process_of_their_own_with_the_same_corpus(tmp_path, monkeypatch):
    from dedupe import ingest as ingest_module

    _mixed_folder(tmp_path)  # articles, skipped files and lines, a manifest, a warning
    bad = ARTICLE.replace("19", "17").encode() + b"\xff\n"
    (tmp_path / "utf8-bad.txt").write_bytes(bad)
    manifest = write(tmp_path / "manifest.csv", "file,outlet\ngood.txt,وكالة الأنباء\n")
    here = ingest(tmp_path, Settings(), manifest=manifest)
    handed: list[int] = []

    def counted(fn, *args):
        handed.append(len(args[0]))  # the files handed over
        return call_apart(fn, *args)

    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 3)
    monkeypatch.setattr(ingest_module, "call_apart", counted)
    apart = ingest(tmp_path, Settings(), manifest=manifest)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != manifest]
    assert handed == [len(files)]
    assert here.documents.height == 6 and len(here.skipped) == 4
    assert any("U+FFFD" in w for w in here.warnings)
    assert apart.documents.equals(here.documents)
    assert apart.passages.equals(here.passages)
    assert apart.skipped == here.skipped
    assert apart.warnings == here.warnings
    outlet = apart.documents.filter(pl.col("path") == "good.txt")["outlet"].to_list()
    assert outlet == ["وكالة الأنباء"]


def test_without_a_temporary_folder_many_files_are_read_in_this_process(tmp_path, monkeypatch):
    import tempfile

    from dedupe import ingest as ingest_module

    _mixed_folder(tmp_path)
    here = ingest(tmp_path, Settings())
    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    monkeypatch.setattr(ingest_module, "call_apart", pytest.fail)  # must not be reached
    fallback = ingest(tmp_path, Settings())
    assert fallback.documents.equals(here.documents)
    assert fallback.passages.equals(here.passages)
    assert fallback.skipped == here.skipped


def _full_disk(*args: object) -> None:
    raise OSError(28, "No space left on device")


def test_when_the_reading_process_cannot_write_the_frames_they_are_read_here(tmp_path, monkeypatch):
    from dedupe import ingest as ingest_module

    _mixed_folder(tmp_path)
    here = ingest(tmp_path, Settings())
    tried: list[str] = []

    def full(fn, *args):
        tried.append(fn.__name__)
        return call_apart(_full_disk, *args)  # an OSError raised in the other process

    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 1)
    monkeypatch.setattr(ingest_module, "call_apart", full)
    fallback = ingest(tmp_path, Settings())
    assert tried == ["_read_to_ipc"]
    assert fallback.documents.equals(here.documents)
    assert fallback.passages.equals(here.passages)
    assert fallback.skipped == here.skipped


def _killed(*args: object) -> None:
    os._exit(137)


def test_when_the_reading_process_dies_ingest_says_so_and_does_not_read_again(
    tmp_path, monkeypatch
):
    from dedupe import ingest as ingest_module

    _mixed_folder(tmp_path)
    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 1)
    monkeypatch.setattr(ingest_module, "call_apart", lambda fn, *args: call_apart(_killed, *args))
    monkeypatch.setattr(ingest_module, "_read_files", pytest.fail)  # not read again here
    with pytest.raises(ChildProcessError, match="exit status 137"):
        ingest(tmp_path, Settings())
