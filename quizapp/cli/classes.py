"""`flask classes rebuild-results`: work out the results summary the grid reads again from the attempts."""

from __future__ import annotations

import click

from ..extensions import db
from ..operations.results import rebuild_results
from ..queries.classes import assignments_of
from .common import CommandGroup

classes_cli = CommandGroup("classes", help="Classes: rebuild the results summary their grids read.")


@classes_cli.command("rebuild-results")
@click.option("--class", "class_id", type=click.IntRange(1), help="Only this class (its id); every class without.")
def rebuild_results_command(class_id: int | None) -> None:
    """Work out each learner's results at each assignment again from their attempts (attempts keep it up to date
    by themselves: this is for rows written outside the app, or to check)."""
    ids = [a.id for a in assignments_of(db.session, class_id)] if class_id is not None else None
    count = rebuild_results(db.session, ids)
    db.session.commit()
    where = f" of class {class_id}" if class_id is not None else ""
    click.echo(f"Results rebuilt{where}: {count} row{'' if count == 1 else 's'}.")
