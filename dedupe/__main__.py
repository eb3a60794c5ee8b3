"""The `dedupe` command (and `python -m dedupe`): the process's memory settings, then the CLI."""

from __future__ import annotations

from dedupe.allocator import return_freed_pages


def main() -> None:
    return_freed_pages()  # before anything imports polars
    from dedupe.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
