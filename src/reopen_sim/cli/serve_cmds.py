"""``serve``: start the planning desk (a local web app) and open it in the browser."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from reopen_sim.cli.app import DEFAULT_LANG, LangOpt, app, console
from reopen_sim.i18n import load_catalogue


def desk_url(host: str, port: int, token: str | None) -> str:
    """The address to open: ``http://host:port/``, with ``?token=`` when the server requires one."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    return f"{url}?token={token}" if token else url


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; any but 127.0.0.1 requires a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8765,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder for the desk's database (default: the user's data folder)."),
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Access token (generated when --host is not a loopback address)."),
    ] = None,
    db_url: Annotated[
        str | None,
        typer.Option("--db-url", help="SQLAlchemy database URL (default: SQLite in --data)."),
    ] = None,
    job_processes: Annotated[
        int | None,
        typer.Option(
            "--job-processes",
            min=1,
            help="Processes one simulation job may use (default: 2, or 1 on a single CPU).",
        ),
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Start the planning desk at http://HOST:PORT/ and open it in the browser (Ctrl+C stops it)."""
    import webbrowser

    import uvicorn

    from reopen_sim.desk.app import create_app
    from reopen_sim.desk.settings import DeskSettings, default_data_dir, is_loopback

    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    data_dir = data if data is not None else default_data_dir()
    # Example schools: those shipped with the package (DeskSettings' default, reopen_sim.bundled).
    settings = DeskSettings(data_dir=data_dir, db_url=db_url, token=token, host=host, port=port)
    if job_processes is not None:
        settings = replace(settings, job_processes=job_processes)
    desk = create_app(settings)
    url = desk_url(host, port, token)
    where = db_url.split("@")[-1] if db_url else str(data_dir)  # never print a database password
    console.print(
        load_catalogue(lang)("desk.serve.started", url=url, data=where), soft_wrap=True, markup=False
    )
    if not no_browser:
        webbrowser.open(url)
    uvicorn.run(desk, host=host, port=port, log_level="info")
