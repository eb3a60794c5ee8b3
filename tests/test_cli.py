from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe import __version__
from dedupe.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLE = (
    "أعلنت وزارة الصحة في مدينة الساحل يوم الثلاثاء أن حصيلة الفيضانات ارتفعت إلى 19 قتيلاً، "
    "فيما لا يزال فريق الإنقاذ يبحث عن مفقودين في القرى المنكوبة شرق البلاد.\n"
)


def tree_digest(folder: Path) -> dict[str, str]:
    digest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            digest[str(path)] = "link:" + os.readlink(path)
        elif path.is_file():
            stat = path.stat()
            with path.open("rb") as handle:
                h = hashlib.sha256()
                for block in iter(lambda: handle.read(1 << 20), b""):
                    h.update(block)
            digest[str(path)] = f"{h.hexdigest()}:{stat.st_mode:o}:{stat.st_mtime_ns}"
    return digest


def test_version_and_help():
    runner = CliRunner()
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"dedupe, version {__version__}\n"
    result = runner.invoke(cli, ["-h"])
    assert result.exit_code == 0
    assert "Find copies, same-event reports" in result.output


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help text"
        result = runner.invoke(cli, [name, "-h"])
        assert result.exit_code == 0, name
        assert f"dedupe {name}" in readme, f"{name} is not documented in README.md"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"{name} {opt} is not documented in README.md"


def test_run_on_seeds_writes_markdown_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the README's command, as reports/ was made with it
    result = CliRunner().invoke(cli, ["run", "seeds/", "-o", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    for name in ("report.md", "report.json"):  # reports/ is what the command writes today
        assert (tmp_path / name).read_text(encoding="utf-8") == (ROOT / "reports" / name).read_text(
            encoding="utf-8"
        ), f"reports/{name} is stale: run `dedupe run seeds/ -o reports/`"
    assert result.output == ""
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "dedupe.report/1"
    assert [d["path"] for d in data["documents"]] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert data["skipped"] == []
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# dedupe report: ")
    assert "| 5 | 0 |" in markdown
    assert '<span dir="rtl">' in markdown


def test_run_prints_the_chosen_format(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(SEEDS), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["schema"] == "dedupe.report/1"
    result = runner.invoke(cli, ["run", str(SEEDS)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("5 documents, 0 skipped")


def test_missing_folder_and_bad_option_exit_2_with_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert result.output == f"dedupe: error: folder not found: {tmp_path / 'missing'}\n"
    result = runner.invoke(cli, ["run", str(SEEDS), "--format", "xml"])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith("dedupe: error: Invalid value for '-f' / '--format'")
    result = runner.invoke(cli, ["run", str(SEEDS), "--no-such-flag"])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1


def test_settings_come_from_pyproject_and_bad_settings_exit_2(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(ARTICLE * 2, encoding="utf-8")
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.dedupe]\nmin-words = 500\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(articles), "--config", str(config), "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["documents"] == []
    assert data["skipped"] == [{"path": "a.txt", "reason": "too little article text (28 words)"}]
    config.write_text("[tool.dedupe]\nnum-perm = 'many'\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(articles), "--config", str(config)])
    assert result.exit_code == 2
    assert result.output == (f"dedupe: error: num-perm in {config} must be int, got 'many'\n")
    config.write_text("[tool.dedupe]\nshingles = 3\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(articles), "--config", str(config)])
    assert result.exit_code == 2
    assert result.output == f"dedupe: error: unknown setting 'shingles' in {config}\n"


def _can_drop_read_override() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


@pytest.mark.skipif(not _can_drop_read_override(), reason="root without setpriv reads any file")
def test_bad_input_folder_end_to_end_leaves_every_file_untouched(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4)
    (folder / "bad-utf8.txt").write_bytes(ARTICLE.encode() + b"\xff" + ARTICLE.encode())
    (folder / "cp1256.txt").write_bytes(ARTICLE.encode("cp1256") * 2)
    (folder / "utf16.txt").write_bytes(ARTICLE.encode("utf-16") * 1)
    with (folder / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    locked = folder / "locked.txt"
    locked.write_text(ARTICLE, encoding="utf-8")
    locked.chmod(0)
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (folder / "data.json").write_text('{"rows": [1, 2, 3]}')
    before = tree_digest(folder)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "dedupe", "run", str(folder), "-o", str(out)]
    if os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(folder) == before
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    skipped = {s["path"]: s["reason"] for s in data["skipped"]}
    assert skipped == {
        "binary.txt": "binary file (NUL bytes)",
        "data.json": "JSON is not an article: no string field named text/body/content...",
        "empty.txt": "empty file",
        "huge.txt": "too large (200.0 MB > 20 MB limit; raise max_file_mb to read it)",
        "locked.txt": "permission denied",
        "loop": "symlink loop",
        "nav.html": "no main text found in HTML (navigation or markup only; "
        "too little article text (0 words))",
    }
    docs = {d["path"]: d for d in data["documents"]}
    assert docs["cp1256.txt"]["encoding"] == "cp1256"
    assert docs["utf16.txt"]["encoding"] == "utf-16-le"
    assert docs["bad-utf8.txt"]["encoding"] == "utf-8"
    warnings = [line for line in proc.stderr.splitlines() if line]
    for path, reason in skipped.items():
        assert f"dedupe: warning: skipped {path}: {reason}" in warnings
    assert (
        "dedupe: warning: bad-utf8.txt: 1 invalid UTF-8 byte sequence(s) replaced with U+FFFD"
        in (warnings)
    )
    assert "dedupe: warning: cp1256.txt: not UTF-8; decoded as cp1256" in warnings
    assert len(warnings) == len(skipped) + 2
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| locked.txt | permission denied |" in markdown


def test_the_command_line_has_large_blocks_mapped_and_the_setting_takes(monkeypatch):
    import ctypes
    import platform

    from dedupe import cli as cli_module

    calls = []
    monkeypatch.setattr(cli_module, "map_large_blocks", lambda: calls.append(1) or True)
    result = CliRunner().invoke(cli, ["compare", "only-one.txt"])
    assert result.exit_code == 2 and calls == [1]  # set before the command reads anything
    monkeypatch.undo()
    if platform.libc_ver()[0] == "glibc":
        assert cli_module.map_large_blocks() is True  # glibc accepts the parameter
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a C library without mallopt
    assert cli_module.map_large_blocks() is False


STOPPABLE = """
import sys
import dedupe.ingest
dedupe.ingest.APART_MIN_FILES = 1  # the files are read in a process of its own, as at scale
from dedupe.cli import main
sys.argv = ["dedupe", *sys.argv[1:]]
main()
"""


@pytest.mark.skipif(os.name != "posix", reason="signals and the reading process are POSIX")
def test_a_run_stopped_by_sigterm_leaves_no_temporary_files(tmp_path):
    import signal
    import time

    folder, out, tmp = tmp_path / "in", tmp_path / "out", tmp_path / "tmp"
    folder.mkdir()
    tmp.mkdir()
    for k in range(3):
        (folder / f"a{k}.txt").write_text(ARTICLE * (k + 1), encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", STOPPABLE, "run", str(folder), "-o", str(out)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(tmp.glob("dedupe-ingest-*")):  # the reading process is under way
        assert proc.poll() is None, "the run ended before its files were read apart"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert stderr.strip().splitlines()[-1] == "dedupe: stopped by SIGTERM"
    assert list(tmp.iterdir()) == []  # the temporary folder went with the run
    assert not out.exists() or not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
