"""``viz``: serve the classroom page (storm_page) on this machine."""

from __future__ import annotations

import click

import sim
from sim import catalog

from .common import seed_option, translate_errors


def register(cli: click.Group) -> None:
    @cli.command("viz")
    @click.argument("scenario", required=False, default="mutiny_2023")
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
    @seed_option
    def viz_cmd(scenario: str, host: str, port: int, no_browser: bool, seed: int) -> None:
        """Serve the interactive classroom page for SCENARIO (default mutiny_2023).

        Outcome distribution, counterfactual against the file as written, and one
        replicate stepped with Mesa's controls. Works offline.
        """
        with translate_errors():
            path = catalog.resolve(scenario)
            spec = sim.load_scenario(path)
        try:
            from storm_page import server
        except ModuleNotFoundError as err:
            raise click.ClickException(
                f"the page needs the viz extra ({err.name} is missing): pip install -e '.[viz]'"
            ) from None
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
            scenario=path.stem if shipped else str(path),
            seed=seed,
            open_browser=not no_browser,
        )
