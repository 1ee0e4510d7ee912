"""``viz``: serve the classroom page (storm_page) on this machine."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

import sim
from sim import catalog

from .common import OneLineUsageError, seed_option, translate_errors

#: What to run when the page's packages are missing (the main set-up installs the package alone).
VIZ_HINT = ".venv/bin/python -m pip install -e '.[viz]'"
#: How to make a calibration folder for ``--posterior``.
POSTERIOR_HINT = "make one with: perfect-storm calibrate --out results/calibrate"
#: The page keeps seeds exact in the browser (JavaScript numbers): 0 .. 2**53 - 1.
PAGE_MAX_SEED = 2**53 - 1


def missing_viz_package() -> str | None:
    """The first package of the viz extra that is not installed, or None."""
    for name in ("solara", "ipyvuetify", "ipyvue", "solara_assets"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def check_posterior(folder: Path) -> None:
    """A finished calibration of this engine, read by sim.calibration's loader; else one line, exit 2.

    The page reads only this folder: the browser never names one.
    """
    from sim import calibration as cal

    try:
        cal.load_posterior(folder)
    except (cal.CalibrationUsage, cal.CalibrationError) as err:
        detail = getattr(err, "detail", None) or str(err)
        hint = "" if "calibrate" in detail else f"; {POSTERIOR_HINT}"
        raise OneLineUsageError(f"--posterior: {detail.splitlines()[0]}{hint}") from None
    except (KeyError, TypeError, AttributeError) as err:  # a manifest that lacks what a calibration has
        raise OneLineUsageError(
            f"--posterior: {folder}: not a readable calibration (its manifest lacks {err})"
        ) from None


def register(cli: click.Group) -> None:
    @cli.command("viz")
    @click.argument("scenario", required=False, default="mutiny_2023")
    @click.option(
        "--scenarios",
        "scenario_dir",
        type=click.Path(file_okay=False, dir_okay=True, exists=True),
        default=None,
        help="Also offer the scenario files (*.toml) of this directory on the page.",
    )
    @click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to listen on; the default keeps the page on this machine.",
    )
    @click.option(
        "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port to listen on."
    )
    @click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
    @click.option(
        "--posterior",
        "posterior",
        metavar="DIR",
        type=click.Path(path_type=Path),
        default=None,
        help="A calibration folder (perfect-storm calibrate --out DIR): enables 'given what history "
        "shows' and the hypotheses' evidence.",
    )
    @seed_option
    def viz_cmd(
        scenario: str,
        scenario_dir: str | None,
        host: str,
        port: int,
        no_browser: bool,
        posterior: Path | None,
        seed: int,
    ) -> None:
        """Serve the interactive classroom page for SCENARIO (default mutiny_2023).

        World A against world B on common random numbers, the outcome
        distribution, and one replicate stepped, played or run to the end.
        Works offline. The page loads scenarios only from the catalogue,
        SCENARIO and --scenarios. With --posterior DIR (a calibration), a
        switch runs the world given what history shows, and the hypotheses
        page shows each hypothesis's evidence.
        """
        if seed > PAGE_MAX_SEED:
            raise OneLineUsageError(f"--seed: the page takes seeds from 0 to {PAGE_MAX_SEED:,}")
        with translate_errors():
            path = catalog.resolve(scenario)
            spec = sim.load_scenario(path)
        if posterior is not None:
            check_posterior(posterior)
        missing = missing_viz_package()
        if missing:
            raise click.ClickException(
                f"the page needs the viz extra ({missing} is missing); run: {VIZ_HINT}"
            )
        from storm_page import server

        try:
            server.check_port(host, port)
        except OSError as err:
            raise click.ClickException(f"{err}; choose another port with --port") from None
        click.echo(sim.banner.label(spec.hypotheses_on))
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"Warning: listening on {host}: other machines may reach the page.", err=True)
        shipped = path.parent.resolve() == catalog.SCENARIO_DIR.resolve()
        server.serve(
            host=host,
            port=port,
            scenario=path.stem,
            seed=seed,
            open_browser=not no_browser,
            scenario_file=None if shipped else str(Path(path).resolve()),
            scenario_dir=str(Path(scenario_dir).resolve()) if scenario_dir else None,
            posterior=str(posterior.resolve()) if posterior is not None else None,
        )
