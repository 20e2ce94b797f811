"""`flask jobs run`: the background worker that runs long work (large imports) queued by the web app."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import jobs

jobs_cli = AppGroup("jobs", help="Run the background worker.")


@jobs_cli.command("run")
@click.option("-w", "--workers", default=1, show_default=True, type=click.IntRange(1, 16), help="Worker threads.")
def run_command(workers: int) -> None:
    """Run queued jobs until stopped (Ctrl+C or SIGTERM finish the job under way first)."""
    queue = jobs.queue()
    click.echo(f"Background worker started ({workers} thread{'s' if workers != 1 else ''}).", err=True)
    queue.huey.create_consumer(workers=workers, worker_type="thread").run()
