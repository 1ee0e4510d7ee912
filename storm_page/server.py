"""Serve the classroom page with Solara's Starlette app under uvicorn, offline.

Every JavaScript and CSS asset comes from the solara-assets package through
Solara's local asset proxy (``/_solara/cdn``); telemetry and the version check
are off, so the server makes no outside request.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import threading
import time
import webbrowser

from .inputs import ENV_POSTERIOR, ENV_SCENARIO, ENV_SCENARIO_DIR, ENV_SCENARIO_FILE, ENV_SEED

APP = "storm_page.app"

#: Solara settings for a server with no internet (read when solara's settings are imported).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # Serve the CDN files from the local cache solara-assets installed (sys.prefix/share/solara/cdn).
    "SOLARA_ASSETS_PROXY": "True",
    # Should an asset ever be missing, fail at once on this machine instead of going outside.
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_MODE": "production",
    # No "This website runs on Solara" badge: it covered the page's bottom-right corner.
    "SOLARA_THEME_SHOW_BANNER": "False",
}


def offline_env(
    scenario: str | None = None,
    seed: int = 0,
    scenario_file: str | None = None,
    scenario_dir: str | None = None,
    posterior: str | None = None,
) -> dict[str, str]:
    """The environment variables a server process of the page needs.

    ``scenario`` is a name the page offers; ``scenario_file`` and ``scenario_dir``
    are the only places outside the catalogue the page may load scenarios from,
    and ``posterior`` the only calibration folder it may read.
    """
    env = dict(OFFLINE_ENV)
    env["SOLARA_APP"] = APP
    if scenario:
        env[ENV_SCENARIO] = scenario
    env[ENV_SEED] = str(seed)
    if scenario_file:
        env[ENV_SCENARIO_FILE] = scenario_file
    if scenario_dir:
        env[ENV_SCENARIO_DIR] = scenario_dir
    if posterior:
        env[ENV_POSTERIOR] = posterior
    return env


def check_port(host: str, port: int) -> None:
    """Raise OSError with a readable message if ``host:port`` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            reason = "address already in use" if err.errno == errno.EADDRINUSE else (err.strerror or str(err))
            raise OSError(f"cannot listen on {host}:{port}: {reason}") from None


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenario: str | None = None,
    seed: int = 0,
    open_browser: bool = True,
    scenario_file: str | None = None,
    scenario_dir: str | None = None,
    posterior: str | None = None,
) -> None:
    """Run the page until interrupted (blocking)."""
    os.environ.update(offline_env(scenario, seed, scenario_file, scenario_dir, posterior))
    import solara.server.settings as server_settings
    import solara.settings

    # The env above only counts if solara's settings were not imported yet; set them directly too.
    server_settings.telemetry.mixpanel_enable = False
    server_settings.main.mode = "production"
    server_settings.theme.show_banner = False
    solara.settings.assets.proxy = True
    solara.settings.assets.cdn = OFFLINE_ENV["SOLARA_ASSETS_CDN"]

    import solara.server.app as appmod
    import uvicorn
    from solara.server.starlette import app

    if "__default__" not in appmod.apps:
        appmod.apps["__default__"] = appmod.AppScript(APP)

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if open_browser:

        def _open() -> None:
            while not server.started:
                time.sleep(0.1)
            webbrowser.open(url)

        threading.Thread(target=_open, daemon=True).start()
    print(f"Serving the classroom page at {url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    server.run()
