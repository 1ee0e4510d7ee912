"""``docs``: regenerate (or check) the reference pages built from the registry."""

from __future__ import annotations

import click

from sim import docgen


def register(cli: click.Group) -> None:
    @cli.command("docs")
    @click.option("--check", is_flag=True, help="Exit 1 if a committed page is stale; write nothing.")
    def docs_cmd(check: bool) -> None:
        """Write docs/hypotheses.md and docs/scenarios.md from the code."""
        if check:
            stale = docgen.stale_pages()
            if stale:
                names = ", ".join(p.name for p in stale)
                raise click.ClickException(f"stale docs: {names}; run `perfect-storm docs` to regenerate")
            click.echo("docs are up to date")
            return
        for path in docgen.write_pages():
            click.echo(f"wrote {path}")
