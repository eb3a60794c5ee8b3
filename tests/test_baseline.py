from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedupe.baseline import Baseline, filter_findings, load_baseline, write_baseline
from dedupe.consistency import fingerprint
from dedupe.errors import ConfigError
from dedupe.models import Evidence, Finding, FindingValue

PATHS = {"d1": "الجزيرة/عمروف.txt", "d2": "العربية/أوميروف.md", "d3": "وكالة/أرقام.txt"}


def name_variant(offset: int, documents: tuple[str, str] = ("d1", "d2")) -> Finding:
    """The same discrepancy, quoted at ``offset`` (as after an edit earlier in the file)."""
    a, b = documents
    paths = [PATHS[a], PATHS[b]]
    return Finding(
        id=fingerprint("name_variant", ["عمروف", "اوميروف"], paths),
        kind="name_variant",
        severity="warning",
        confidence=0.9,
        event="e1",
        summary="رستم عمروف / رستم أوميروف: the same person spelled two ways",
        values=(
            FindingValue("عمروف", "عمروف", (a,), (Evidence(a, offset, offset + 30, "رستم عمروف"),)),
            FindingValue(
                "أوميروف",
                "اوميروف",
                (b,),
                (Evidence(b, offset + 7, offset + 40, "رستم أوميروف", offset + 12, offset + 19),),
            ),
        ),
    )


def number_conflict() -> Finding:
    return Finding(
        id=fingerprint("number_conflict", ["12", "15"], [PATHS["d1"], PATHS["d3"]]),
        kind="number_conflict",
        severity="error",
        confidence=0.8,
        event="e2",
        summary="قتلى: 12 / 15",
        values=(
            FindingValue("12", "12", ("d1",), (Evidence("d1", 3, 20, "مقتل 12 شخصا"),)),
            FindingValue("15", "15", ("d3",), (Evidence("d3", 8, 25, "مقتل 15 شخصا"),)),
        ),
    )


def test_missing_file_is_an_empty_baseline(tmp_path: Path) -> None:
    baseline = load_baseline(tmp_path / "absent.json")
    assert baseline == Baseline()
    assert not baseline.contains(name_variant(0))
    assert filter_findings([name_variant(0)], baseline) == ([name_variant(0)], [])


def test_roundtrip_is_sorted_stable_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "baseline.json"
    findings = [number_conflict(), name_variant(0)]
    assert write_baseline(path, findings, PATHS) == 2

    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "عمروف" in text and "\\u" not in text
    assert text.startswith('{\n  "schema": "dedupe.baseline/1",\n  "findings": [\n    {\n')
    data = json.loads(text)
    assert [e["kind"] for e in data["findings"]] == ["name_variant", "number_conflict"]
    entry = data["findings"][0]
    assert list(entry) == ["id", "kind", "summary", "values", "documents", "accepted_at"]
    assert entry["id"] == name_variant(0).id
    assert entry["values"] == ["اوميروف", "عمروف"]
    assert entry["documents"] == ["الجزيرة/عمروف.txt", "العربية/أوميروف.md"]
    assert entry["accepted_at"].endswith("Z")

    baseline = load_baseline(path)
    assert baseline.ids == {f.id for f in findings}
    assert baseline.entries == tuple(data["findings"])
    assert write_baseline(path, [], PATHS, existing=baseline) == 2
    assert path.read_text(encoding="utf-8") == text
    assert [p.name for p in path.parent.iterdir()] == ["baseline.json"]


def test_same_content_at_other_offsets_keeps_its_id(tmp_path: Path) -> None:
    before, after = name_variant(0), name_variant(137)
    assert before.values[0].evidence != after.values[0].evidence
    assert before.id == after.id
    path = tmp_path / "baseline.json"
    write_baseline(path, [before], PATHS)
    text = path.read_text(encoding="utf-8")
    assert load_baseline(path).contains(after)
    write_baseline(path, [after], PATHS, existing=load_baseline(path))
    assert path.read_text(encoding="utf-8") == text
    assert name_variant(0, ("d1", "d3")).id != before.id


def test_merge_keeps_accepted_entries_and_their_dates(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [name_variant(0)], PATHS)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["findings"][0]["accepted_at"] = "2025-01-02T03:04:05Z"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    count = write_baseline(path, [number_conflict(), name_variant(5)], PATHS, load_baseline(path))
    assert count == 2
    merged = load_baseline(path)
    assert merged.ids == {name_variant(0).id, number_conflict().id}
    kept = next(e for e in merged.entries if e["kind"] == "name_variant")
    assert kept["accepted_at"] == "2025-01-02T03:04:05Z"

    assert write_baseline(path, [number_conflict()], PATHS) == 1
    assert load_baseline(path).ids == {number_conflict().id}


def test_filter_splits_remaining_and_suppressed_in_order(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [name_variant(0)], PATHS)
    new = number_conflict()
    other_pair = name_variant(0, ("d1", "d3"))
    remaining, suppressed = filter_findings(
        [new, name_variant(99), other_pair], load_baseline(path)
    )
    assert remaining == [new, other_pair]
    assert suppressed == [name_variant(99)]


def test_unknown_document_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no path"):
        write_baseline(tmp_path / "b.json", [name_variant(0)], {"d1": "a.txt"})
    assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"schema": "dedupe.baseline/1", "findings": [', "is not valid JSON (line 1, column"),
        ("[]", "is not a dedupe baseline (not a JSON object)"),
        ('{"schema": "dedupe.report/1", "findings": []}', "schema 'dedupe.report/1'"),
        ('{"schema": "dedupe.baseline/1", "findings": {}}', "'findings' is not a list"),
        ('{"schema": "dedupe.baseline/1", "findings": [{"kind": "x"}]}', "findings[0].id"),
        (
            '{"schema": "dedupe.baseline/1", "findings": [{"id": "a", "kind": "k", '
            '"summary": "s", "values": [1], "documents": [], "accepted_at": "t"}]}',
            "findings[0].values holds something other than strings",
        ),
    ],
    ids=["truncated", "list", "schema", "findings", "entry", "values"],
)
def test_invalid_file_is_a_config_error(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_baseline(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"baseline {path} ") and reason in message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ConfigError, match="cannot read baseline"):
        load_baseline(tmp_path / "dir.json")
    (tmp_path / "latin.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ConfigError, match="cannot read baseline"):
        load_baseline(tmp_path / "latin.json")
