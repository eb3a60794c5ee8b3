"""Baseline: a JSON file of accepted findings that `dedupe check` does not report again.

Entries are keyed by the finding id, which is a content fingerprint (kind, normalized values,
document paths; see ``dedupe.consistency.fingerprint``), never offsets or line numbers, so an
accepted finding stays accepted when the text around it moves. The file is meant to be committed:
entries are sorted and formatted the same way on every write, and only an explicit command
changes it::

    {
      "schema": "dedupe.baseline/1",
      "findings": [
        {"id": "…", "kind": "name_variant", "summary": "…", "values": ["…", "…"],
         "documents": ["a/1.txt", "b/2.txt"], "accepted_at": "2025-01-01T00:00:00Z"}
      ]
    }
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dedupe.errors import ConfigError
from dedupe.files import atomic_write_text
from dedupe.models import Finding

SCHEMA = "dedupe.baseline/1"
_FIELDS: dict[str, type] = {
    "id": str,
    "kind": str,
    "summary": str,
    "values": list,
    "documents": list,
    "accepted_at": str,
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """Accepted findings: their ids and the stored entries (sorted by kind, then id)."""

    ids: frozenset[str] = frozenset()
    entries: tuple[dict[str, Any], ...] = ()

    def contains(self, finding: Finding) -> bool:
        """Return True when ``finding`` was accepted (same content fingerprint)."""
        return finding.id in self.ids

    def __len__(self) -> int:
        return len(self.entries)


def load_baseline(path: Path | str) -> Baseline:
    """Return the baseline stored at ``path`` (an empty one when the file does not exist);
    raise ConfigError with one line when it cannot be used."""
    path = Path(path)
    if not path.exists():
        return Baseline()
    hint = "fix it or write it again with `dedupe baseline`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"baseline {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); {hint}"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot read baseline {path}: {reason}") from exc
    problem = _shape_problem(data)
    if problem:
        raise ConfigError(f"baseline {path} is not a dedupe baseline ({problem}); {hint}")
    return _baseline(_entry(raw) for raw in data["findings"])


def filter_findings(
    findings: Sequence[Finding], baseline: Baseline
) -> tuple[list[Finding], list[Finding]]:
    """Return ``(remaining, suppressed)``: the findings not in the baseline and those in it,
    each in the given order."""
    remaining: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        (suppressed if baseline.contains(finding) else remaining).append(finding)
    return remaining, suppressed


def write_baseline(
    path: Path | str,
    findings: Sequence[Finding],
    paths: Mapping[str, str],
    existing: Baseline | None = None,
) -> int:
    """Write ``findings`` (document ids mapped to paths by ``paths``) merged with ``existing``
    entries to ``path`` atomically and return how many entries it holds. Entries already in
    ``existing`` keep their ``accepted_at``; pass ``existing=None`` to replace the file."""
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    merged: dict[str, dict[str, Any]] = {}
    for entry in existing.entries if existing is not None else ():
        merged.setdefault(entry["id"], _entry(entry))
    for finding in findings:
        if finding.id not in merged:
            merged[finding.id] = _finding_entry(finding, paths, now)
    baseline = _baseline(merged.values())
    document = {"schema": SCHEMA, "findings": list(baseline.entries)}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    try:
        atomic_write_text(Path(path), text)
    except OSError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot write baseline {path}: {reason}") from exc
    return len(baseline.entries)


def _finding_entry(finding: Finding, paths: Mapping[str, str], now: str) -> dict[str, Any]:
    documents = {d for value in finding.values for d in value.documents}
    unknown = sorted(documents - paths.keys())
    if unknown:
        raise ValueError(f"finding {finding.id} names documents with no path: {unknown}")
    return {
        "id": finding.id,
        "kind": finding.kind,
        "summary": finding.summary,
        "values": sorted({value.normalized for value in finding.values}),
        "documents": sorted({paths[d] for d in documents}),
        "accepted_at": now,
    }


def _entry(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return an entry with its fields in the stored order and its lists sorted."""
    return {
        "id": raw["id"],
        "kind": raw["kind"],
        "summary": raw["summary"],
        "values": sorted(set(raw["values"])),
        "documents": sorted(set(raw["documents"])),
        "accepted_at": raw["accepted_at"],
    }


def _baseline(entries: Any) -> Baseline:
    unique: dict[str, dict[str, Any]] = {}
    for entry in entries:
        unique.setdefault(entry["id"], entry)
    ordered = sorted(unique.values(), key=lambda e: (e["kind"], e["id"]))
    return Baseline(ids=frozenset(unique), entries=tuple(ordered))


def _shape_problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("schema") != SCHEMA:
        return f"schema {data.get('schema')!r}, expected {SCHEMA!r}"
    findings = data.get("findings")
    if not isinstance(findings, list):
        return "'findings' is not a list"
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict):
            return f"findings[{index}] is not an object"
        for field, kind in _FIELDS.items():
            value = entry.get(field)
            if not isinstance(value, kind) or (kind is str and field == "id" and not value):
                return f"findings[{index}].{field} is missing or not a {kind.__name__}"
            if kind is list and not all(isinstance(item, str) for item in value):
                return f"findings[{index}].{field} holds something other than strings"
    return None
