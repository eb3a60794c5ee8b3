"""Report stage: a Report → JSON (the versioned machine contract), Markdown, text, GitHub
annotations. Rendering only: nothing here decides what is a finding."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from dedupe.models import SEVERITIES, Evidence, Finding, Report
from dedupe.text import ARABIC_LETTER

SCHEMA = "dedupe.report/1"
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Return 0 for info, 1 for warning, 2 for error (higher is more severe)."""
    return _SEVERITY_RANK.get(severity, 0)


def sorted_findings(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    """Return findings most severe first, then most confident, then by id (stable order)."""
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), -f.confidence, f.id))


# --- JSON --------------------------------------------------------------------------------------


def to_json_dict(report: Report) -> dict[str, Any]:
    """Return the report as the `dedupe.report/1` JSON structure (see DESIGN.md)."""
    docs = report.corpus.documents
    return {
        "schema": SCHEMA,
        "tool": report.meta,
        "documents": [
            {
                "id": row["id"],
                "path": row["path"],
                "outlet": row["outlet"],
                "published": row["published"],
                "title": row["title"],
                "url": row["url"],
                "encoding": row["encoding"],
                "sha256": row["sha256"],
            }
            for row in docs.select(
                "id", "path", "outlet", "published", "title", "url", "encoding", "sha256"
            ).iter_rows(named=True)
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.corpus.skipped],
        "duplicates": [
            {
                "id": g.id,
                "kind": g.kind,
                "level": g.level,
                "documents": list(g.documents),
                "similarity": round(g.similarity, 4),
                **(
                    {"passages": [{"document": d, "start": s, "end": e} for d, s, e in g.passages]}
                    if g.passages
                    else {}
                ),
            }
            for g in report.duplicates
        ],
        "events": [
            {
                "id": e.id,
                "label": e.label,
                "documents": list(e.documents),
                "passages": [
                    {"document": p.document, "start": p.start, "end": p.end} for p in e.passages
                ],
            }
            for e in report.events
        ],
        "findings": [_finding_json(f) for f in sorted_findings(report.findings)],
    }


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "severity": f.severity,
        "confidence": round(f.confidence, 3),
        "event": f.event,
        "summary": f.summary,
        "values": [
            {
                "value": v.value,
                "normalized": v.normalized,
                "documents": list(v.documents),
                "evidence": [
                    {"document": e.document, "start": e.start, "end": e.end, "text": e.text}
                    for e in v.evidence
                ],
            }
            for v in f.values
        ],
    }


def render_json(report: Report) -> str:
    """Return the JSON report as text (UTF-8, Arabic unescaped, stable key order)."""
    return json.dumps(to_json_dict(report), ensure_ascii=False, indent=2) + "\n"


# --- Markdown ----------------------------------------------------------------------------------


def cell(text: str | None) -> str:
    """Return ``text`` safe for a Markdown table cell; Arabic text is wrapped in an RTL span."""
    if text is None or text == "":
        return "—"
    clean = _BIDI_CONTROLS.sub("", str(text))
    clean = " ".join(clean.split())
    clean = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    clean = clean.replace("|", "\\|")
    if ARABIC_LETTER.search(clean):
        return f'<span dir="rtl">{clean}</span>'
    return clean


def _evidence_cell(ev: Evidence) -> str:
    text = _BIDI_CONTROLS.sub("", ev.text)
    if ev.start <= ev.value_start < ev.value_end <= ev.end:
        a, b = ev.value_start - ev.start, ev.value_end - ev.start
        parts = [text[:a], text[a:b], text[b:]]
        escaped = [cell(p).removeprefix('<span dir="rtl">').removesuffix("</span>") for p in parts]
        escaped = [p if p != "—" else "" for p in escaped]
        body = f"{escaped[0]} **{escaped[1]}** {escaped[2]}".strip()
        return f'<span dir="rtl">{body}</span>' if ARABIC_LETTER.search(text) else body
    return cell(text)


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def render_markdown(report: Report) -> str:
    """Return the discrepancy report for people: counts, findings per event, duplicates,
    events, documents and skipped files. Renders right-to-left text correctly on GitHub."""
    corpus = report.corpus
    docs = {row["id"]: row for row in corpus.documents.iter_rows(named=True)}
    findings = sorted_findings(report.findings)
    by_kind = Counter(f.kind for f in findings)
    by_severity = Counter(f.severity for f in findings)
    meta = report.meta
    lines = [f"# dedupe report: {cell(meta.get('folder', corpus.root))}", ""]
    lines += [
        "| documents | skipped files | duplicate groups | events | findings |",
        "|---:|---:|---:|---:|---:|",
        f"| {corpus.documents.height} | {len(corpus.skipped)} | {len(report.duplicates)} | "
        f"{len(report.events)} | {len(findings)} |",
        "",
    ]
    if findings:
        lines += ["| finding kind | error | warning | info |", "|---|---:|---:|---:|"]
        for kind in sorted(by_kind):
            counts = Counter(f.severity for f in findings if f.kind == kind)
            lines.append(f"| {kind} | {counts['error']} | {counts['warning']} | {counts['info']} |")
        lines.append("")
    produced = [
        f"dedupe {meta.get('version', '?')}",
        f"model `{meta.get('model', '?')}`",
    ]
    if "minhash" in meta:
        mh = meta["minhash"]
        produced.append(
            f"MinHash {mh.get('scheme')} ×{mh.get('num_perm')} seed {mh.get('seed')}, "
            f"{mh.get('shingle_size')}-word shingles (datasketch {mh.get('datasketch')})"
        )
    lines.append("Produced by " + "; ".join(produced) + ".")
    lines.append("")
    settings = meta.get("settings")
    if isinstance(settings, dict):
        body = ["| setting | value |", "|---|---|"]
        body += [
            f"| {k} | {cell(json.dumps(v, ensure_ascii=False))} |" for k, v in settings.items()
        ]
        lines += _details("Settings", body)

    lines += ["## Findings", ""]
    if not findings:
        lines += ["No discrepancies found.", ""]
    else:
        events = {e.id: e for e in report.events}
        grouped: dict[str | None, list[Finding]] = {}
        for f in findings:
            grouped.setdefault(f.event, []).append(f)
        order = sorted(
            grouped,
            key=lambda eid: (-max(severity_rank(f.severity) for f in grouped[eid]), str(eid)),
        )
        for eid in order:
            title = events[eid].label if eid in events else "Findings outside any event"
            lines += [f"### {eid or '—'}: {cell(title)}", ""]
            for f in grouped[eid]:
                lines += _finding_markdown(f, docs)
        lines.append(f"Findings by severity: {dict(sorted(by_severity.items()))}.")
        lines.append("")

    lines += ["## Duplicates", ""]
    if not report.duplicates:
        lines += ["No copies or near-copies found.", ""]
    else:
        body = ["| group | kind | similarity | documents |", "|---|---|---:|---|"]
        for g in report.duplicates:
            names = ", ".join(f"{d} ({cell(docs[d]['path'])})" for d in g.documents if d in docs)
            body.append(f"| {g.id} | {g.kind} | {g.similarity:.2f} | {names} |")
        lines += (
            [*body, ""]
            if len(report.duplicates) <= 10
            else _details(f"{len(report.duplicates)} duplicate groups", body)
        )

    lines += ["## Events", ""]
    if not report.events:
        lines += ["No event is reported by more than one document.", ""]
    for e in report.events:
        body = ["| document | passage |", "|---|---|"]
        for p in e.passages:
            text = docs[p.document]["text"][p.start : p.end] if p.document in docs else ""
            body.append(f"| {p.document} | {cell(_shorten(text, 220))} |")
        lines += [f"### {e.id}: {cell(e.label)}", ""]
        lines.append("Documents: " + ", ".join(e.documents) + ".")
        lines.append("")
        lines += _details(f"{len(e.passages)} aligned passages", body)

    lines += ["## Documents", ""]
    body = ["| id | path | outlet | published | title |", "|---|---|---|---|---|"]
    for d in docs.values():
        body.append(
            f"| {d['id']} | {cell(d['path'])} | {cell(d['outlet'])} | {cell(d['published'])} | "
            f"{cell(_shorten(d['title'] or '', 90))} |"
        )
    lines += [*body, ""] if len(docs) <= 30 else _details(f"{len(docs)} documents", body)

    lines += ["## Skipped files", ""]
    if not corpus.skipped:
        lines += ["None.", ""]
    else:
        body = ["| path | reason |", "|---|---|"]
        body += [f"| {cell(s.path)} | {cell(s.reason)} |" for s in corpus.skipped]
        lines += (
            [*body, ""]
            if len(corpus.skipped) <= 30
            else _details(f"{len(corpus.skipped)} skipped files", body)
        )
    if corpus.warnings:
        body = [f"- {cell(w)}" for w in corpus.warnings]
        lines += _details(f"{len(corpus.warnings)} input warnings", body)
    return "\n".join(lines).rstrip() + "\n"


def _finding_markdown(f: Finding, docs: dict[str, dict[str, Any]]) -> list[str]:
    out = [
        f"#### {f.severity}: {cell(f.summary)}",
        "",
        f"`{f.kind}` · confidence {f.confidence:.2f} · id `{f.id}`",
        "",
        "| value | documents | published | evidence |",
        "|---|---|---|---|",
    ]
    for v in f.values:
        names = "<br>".join(
            f"{d} · {cell(docs[d]['outlet'] or docs[d]['path'])}" for d in v.documents if d in docs
        )
        published = "<br>".join(cell(docs[d]["published"]) for d in v.documents if d in docs)
        evidence = "<br>".join(f"{e.document}: {_evidence_cell(e)}" for e in v.evidence)
        out.append(f"| {cell(v.value)} | {names} | {published} | {evidence} |")
    out.append("")
    return out


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- text and GitHub annotations ------------------------------------------------------------


def render_text(report: Report) -> str:
    """Return a short terminal summary: counts, then one line per finding."""
    corpus = report.corpus
    findings = sorted_findings(report.findings)
    lines = [
        f"{corpus.documents.height} documents, {len(corpus.skipped)} skipped, "
        f"{len(report.duplicates)} duplicate groups, {len(report.events)} events, "
        f"{len(findings)} findings"
    ]
    for s in corpus.skipped:
        lines.append(f"skipped {s.path}: {s.reason}")
    for f in findings:
        docs = sorted({d for v in f.values for d in v.documents})
        lines.append(f"{f.severity}: {f.summary} [{f.kind}; {', '.join(docs)}; id {f.id}]")
    return "\n".join(lines) + "\n"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _escape_annotation(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: Report, limit: int = 20) -> str:
    """Return GitHub Actions workflow commands (::error/::warning/::notice) for the top findings,
    each pointing at the file and line of its first evidence span."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    docs = {row["id"]: row for row in report.corpus.documents.iter_rows(named=True)}
    out = []
    for f in sorted_findings(report.findings)[:limit]:
        ev = next((e for v in f.values for e in v.evidence), None)
        props = [f"title={_escape_annotation(f.kind + ' ' + f.id, prop=True)}"]
        if ev is not None and ev.document in docs:
            doc = docs[ev.document]
            props.insert(0, f"file={_escape_annotation(doc['path'].split('#')[0], prop=True)}")
            if doc["format"] in ("txt", "md"):
                line, col = _line_col(doc["text"], ev.start)
                props.insert(1, f"line={line},col={col}")
        out.append(
            f"::{level.get(f.severity, 'notice')} {','.join(props)}::"
            f"{_escape_annotation(f.summary)}"
        )
    return "\n".join(out) + ("\n" if out else "")


def render(report: Report, fmt: str) -> str:
    """Return the report in ``fmt``: markdown, json, text or github."""
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "github":
        return render_github(report, int(report.meta.get("max_annotations", 20)))
    return render_text(report)
