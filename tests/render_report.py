"""Render a dedupe ``report.md`` the way GitHub shows it, and screenshot it with headless Chromium.

What it does:

1. converts the Markdown to HTML with a GFM renderer: cmarkgfm (GitHub's own cmark-gfm, with
   its table, strikethrough, autolink and tagfilter extensions) when it is installed, else
   markdown-it-py (CommonMark + GFM tables, raw HTML allowed), which the test extra installs;
2. wraps the HTML in a page with GitHub-like CSS (``.markdown-body``: tables, ``<details>``,
   code, headings), in a temporary file (kept only with ``--html PATH``);
3. takes a screenshot of the page with headless Chromium (``--screenshot``).

Look at the PNG: Arabic cells must read right to left, tables must be intact (no cell spilling
into the next one), the differing span of each evidence snippet must be bold.

How to run (from the repository root, in the project's virtualenv)::

    dedupe run seeds/ -o /tmp/r -q
    python tests/render_report.py /tmp/r/report.md -o reports/report.png
    python tests/render_report.py /tmp/r/report.md --html /tmp/r/report.html --no-screenshot

Options: ``--renderer auto|cmarkgfm|markdown-it``, ``--width``/``--height`` (window size, px;
the default height fits the whole page, measured with a first ``--dump-dom`` run),
``--html PATH`` (also keep the page), ``--no-screenshot``, ``--open-details`` (show folded
sections open, to check them), ``--chromium PATH``.
Chromium comes from Debian: ``apt-get update && apt-get install -y chromium``.

``tests/test_report.py`` imports :func:`markdown_to_html` from here, so the tests parse the
Markdown with the same renderer (they never need Chromium).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RENDERERS = ("auto", "cmarkgfm", "markdown-it")

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

# A subset of github-markdown-css (light theme): what a report uses.
GITHUB_CSS = """
body { margin: 0; background: #ffffff; }
.markdown-body {
  box-sizing: border-box; max-width: 1280px; margin: 0 auto; padding: 32px 45px;
  color: #1f2328; font-size: 16px; line-height: 1.5; word-wrap: break-word;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
    sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
}
.markdown-body h1, .markdown-body h2, .markdown-body h3, .markdown-body h4 {
  margin-top: 24px; margin-bottom: 16px; font-weight: 600; line-height: 1.25;
}
.markdown-body h1 { font-size: 2em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
.markdown-body h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
.markdown-body h3 { font-size: 1.25em; }
.markdown-body h4 { font-size: 1em; }
.markdown-body p, .markdown-body ul, .markdown-body table, .markdown-body details {
  margin-top: 0; margin-bottom: 16px;
}
.markdown-body b, .markdown-body strong { font-weight: 600; }
.markdown-body code {
  padding: .2em .4em; margin: 0; font-size: 85%; white-space: break-spaces;
  background-color: #818b981f; border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    monospace;
}
.markdown-body table {
  border-spacing: 0; border-collapse: collapse; display: block; width: max-content;
  max-width: 100%; overflow: auto; font-variant: tabular-nums;
}
.markdown-body table th { font-weight: 600; }
.markdown-body table th, .markdown-body table td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body table td > :last-child { margin-bottom: 0; }
.markdown-body table tr { background-color: #ffffff; border-top: 1px solid #d1d9e0b3; }
.markdown-body table tr:nth-child(2n) { background-color: #f6f8fa; }
.markdown-body details summary { cursor: pointer; display: list-item; }
.markdown-body hr { height: .25em; padding: 0; margin: 24px 0; background: #d1d9e0; border: 0; }
"""


def available_renderer(renderer: str = "auto") -> str:
    """Return the renderer ``auto`` resolves to: cmarkgfm when importable, else markdown-it."""
    if renderer != "auto":
        return renderer
    try:
        import cmarkgfm  # noqa: F401
    except ImportError:
        return "markdown-it"
    return "cmarkgfm"


def markdown_to_html(markdown: str, renderer: str = "auto") -> str:
    """Return the HTML body for ``markdown`` as a GFM renderer produces it (raw HTML kept,
    as GitHub keeps the tags a report uses)."""
    renderer = available_renderer(renderer)
    if renderer == "cmarkgfm":
        import cmarkgfm
        from cmarkgfm.cmark import Options

        return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    if renderer == "markdown-it":
        from markdown_it import MarkdownIt

        return (
            MarkdownIt("commonmark", {"html": True})
            .enable(["table", "strikethrough"])
            .render(markdown)
        )
    raise ValueError(f"unknown renderer {renderer!r}; choose from {', '.join(RENDERERS)}")


# Records the page's height on <html data-height>, read back with --dump-dom to size the shot.
MEASURE_SCRIPT = (
    "<script>document.documentElement.dataset.height = "
    "Math.ceil(document.documentElement.getBoundingClientRect().height);</script>"
)


def html_page(body: str, title: str = "dedupe report") -> str:
    """Return a whole HTML page that shows ``body`` with GitHub-like styles."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
        f"<style>{GITHUB_CSS}</style></head>\n"
        f'<body><article class="markdown-body">\n{body}</article>{MEASURE_SCRIPT}</body></html>\n'
    )


def find_chromium(explicit: str | None = None) -> str:
    """Return the path of a Chromium (or Chrome) binary, or raise FileNotFoundError."""
    names = [explicit] if explicit else ["chromium", "chromium-browser", "google-chrome"]
    for name in names:
        path = shutil.which(name) if name else None
        if path:
            return path
    raise FileNotFoundError(
        "Chromium not found: apt-get update && apt-get install -y chromium (or pass --chromium)"
    )


def _chromium(binary: str, page: Path, width: int, height: int, *extra: str) -> str:
    with tempfile.TemporaryDirectory(prefix="render-report-") as profile:
        command = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            *extra,
            page.resolve().as_uri(),
        ]
        proc = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def page_height(page: Path, *, width: int = 1400, chromium: str | None = None) -> int:
    """Return the height in px of the page laid out ``width`` px wide (from its data-height)."""
    dom = _chromium(find_chromium(chromium), page, width, 1000, "--dump-dom")
    match = re.search(r'data-height="(\d+)"', dom)
    if not match:
        raise RuntimeError("chromium did not run the page's measuring script")
    return int(match.group(1))


def screenshot(
    page: Path, png: Path, *, width: int = 1400, height: int = 0, chromium: str | None = None
) -> Path:
    """Screenshot the HTML file ``page`` into ``png`` with headless Chromium; ``height`` 0 means
    the whole page. Return ``png``."""
    binary = find_chromium(chromium)
    if height <= 0:
        height = page_height(page, width=width, chromium=binary) + 40
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    _chromium(binary, page, width, height, f"--screenshot={png.resolve()}")
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {png}")
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report.md to render")
    parser.add_argument(
        "-o", "--output", type=Path, help="PNG to write (default: the report's name with .png)"
    )
    parser.add_argument("--html", type=Path, help="also write the HTML page here")
    parser.add_argument("--no-screenshot", action="store_true", help="only write --html")
    parser.add_argument("--renderer", choices=RENDERERS, default="auto")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=0, help="px; 0 (default): the whole page")
    parser.add_argument("--chromium", help="Chromium binary (default: found on PATH)")
    parser.add_argument(
        "--open-details", action="store_true", help="show folded <details> sections open"
    )
    args = parser.parse_args(argv)
    markdown = args.report.read_text(encoding="utf-8")
    renderer = available_renderer(args.renderer)
    body = markdown_to_html(markdown, renderer)
    if args.open_details:
        body = body.replace("<details>", "<details open>")
    page = html_page(body, title=args.report.name)
    if args.html:
        args.html.write_text(page, encoding="utf-8")
        print(f"{args.html} ({renderer})")
    if args.no_screenshot:
        return 0
    png = args.output or args.report.with_suffix(".png")
    with tempfile.TemporaryDirectory(prefix="render-report-page-") as tmp:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(page, encoding="utf-8")
        screenshot(page_path, png, width=args.width, height=args.height, chromium=args.chromium)
    print(f"{png} ({renderer}, {args.width} px wide)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
