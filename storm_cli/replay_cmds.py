"""``replay``: rerun a result from its manifest and say whether it comes out the same (sim.replay)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from sim.banner import BANNER

from .common import out_option, translate_errors


class Differs(click.ClickException):
    """The replay ran but its content differs from the original (exit status 1)."""

    exit_code = 1


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("manifest", metavar="MANIFEST")
    @out_option(False, "Keep the replayed result in DIR (default: a temporary directory, removed after).")
    def replay(manifest: str, out: str | None) -> None:
        """Rerun a result from its MANIFEST and check that it comes out bit for bit the same.

        MANIFEST is a manifest.json (or the result directory holding it) of a
        batch, compare, sweep, attribute or experiment. The call is rebuilt
        from the recorded resolved scenario, seed, runs and options; every
        file is compared with the original. Exit status 0 when identical, 1
        when anything differs (the report says what, and which software differs).
        """
        from sim import replay as rp

        scratch = None if out else Path(tempfile.mkdtemp(prefix="perfect-storm-replay-"))
        target = Path(out) if out else (scratch or Path()) / "result"
        try:
            with translate_errors():
                rp.read_manifest(manifest)  # a bad MANIFEST is refused before any work
                if out:
                    from sim.analysis.summary import prepare_out

                    prepare_out(out)  # never into a directory that holds a result
                report = rp.replay(manifest, target)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        click.echo(BANNER)
        for line in report.lines():
            click.echo(line)
        if not report.identical:
            changed = [n for n, v in report.files.items() if v != "identical"]
            what = ", ".join(changed + (["manifest.json"] if report.manifest else []))
            raise Differs(f"the replay differs from the original in {what}")
