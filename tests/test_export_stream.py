"""The per-response CSV is streamed: the same bytes as the document built whole, the download recorded in the
audit log (and committed) before the first row is read, and the rows read in batches rather than all at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.classes.exports import ExportRequest, response_rows
from quizapp.domain.csvsafe import csv_chunks, csv_text
from quizapp.extensions import db
from quizapp.models import AuditEntry
from quizapp.queries import classes as queries

from .test_classes import RIGHT, WRONG, assign, client_for, make_school, take

AWKWARD = [
    ["=1+1", "+cmd", "-3", "@SUM(A1)", "\ttab", "\rcr", -3, 2.5, None, True, False],
    ['say "hi"', "a,b", "line\nbreak", "café ünïcode", "", 0, 0.0, "'already", " =spaced", "x" * 300, "—"],
]


@pytest.mark.parametrize("rows_per_chunk", [1, 2, 3, 1000])
@pytest.mark.parametrize("rows", [[], AWKWARD, AWKWARD * 7])
def test_the_pieces_joined_are_the_whole_document(rows, rows_per_chunk):
    header = ["learner", "=assignment", "notes"]
    pieces = list(csv_chunks(header, iter(rows), rows_per_chunk))
    assert "".join(pieces) == csv_text(header, rows)
    assert pieces[0] == csv_text(header, [])  # the header alone comes first, before any row is read
    assert len(pieces) == 1 + -(-len(rows) // rows_per_chunk)


@pytest.fixture
def exported(app):
    school = make_school(app)
    first = assign(app, school, title="=Week 1", attempts_allowed=None)
    second = assign(app, school, title='Week "2", part b')
    for _ in range(2):
        take(app, school["amy"], first, RIGHT)
    take(app, school["ben"], first, WRONG)
    take(app, school["amy"], second, WRONG)
    return school, first


def expected_document(app, class_id: int, assignment_id: int | None = None) -> str:
    """The responses file as it was built before it was streamed: the whole document at once."""
    with app.app_context():
        wanted = ExportRequest(table="responses", assignment_id=assignment_id)
        return csv_text(queries.RESPONSE_COLUMNS, list(response_rows(db.session, class_id, wanted)))


def test_the_streamed_download_is_the_same_bytes_as_the_whole_document(app, exported):
    school, first = exported
    tess = client_for(app, "tess")
    response = tess.get(f"/classes/{school['class']}/export?table=responses&format=csv")
    assert response.status_code == 200 and "Content-Length" not in response.headers  # sent as it is made
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="neurology-1-responses.csv"'
    body = response.get_data()
    assert body == expected_document(app, school["class"]).encode()
    assert body.count(b"\r\n") == 1 + 4 * 2  # the header and two answers in each of four attempts
    assert b"'=Week 1" in body and b'"Week ""2"", part b"' in body
    one = tess.get(f"/classes/{school['class']}/export?table=responses&assignment={first}").get_data()
    assert one == expected_document(app, school["class"], first).encode() and one.count(b"\r\n") == 1 + 3 * 2


def test_the_download_is_recorded_before_the_first_row_is_read(app, exported):
    school, _first = exported
    tess = client_for(app, "tess")

    def recorded() -> int:
        with app.app_context():  # another session: sees only what was committed
            return db.session.scalar(select(func.count()).where(AuditEntry.action == "export.csv"))

    response = tess.get(f"/classes/{school['class']}/export?table=responses", buffered=False)
    assert recorded() == 1
    pieces = iter(response.response)
    assert next(pieces).startswith(b"learner,assignment,attempt")
    assert recorded() == 1
    assert b"".join(pieces).count(b"\r\n") == 4 * 2
    response.close()


def test_the_grid_download_is_still_sent_whole(app, exported):
    school, _first = exported
    response = client_for(app, "tess").get(f"/classes/{school['class']}/export?table=grid")
    assert response.status_code == 200 and int(response.headers["Content-Length"]) == len(response.data)
    assert response.text.startswith("learner,in class,")


@pytest.mark.postgres
def test_the_streamed_download_is_the_same_bytes_on_postgresql(pg_app):
    school = make_school(pg_app)
    first = assign(pg_app, school, title="=Week 1", attempts_allowed=None)
    take(pg_app, school["amy"], first, RIGHT)
    take(pg_app, school["ben"], first, WRONG)
    body = client_for(pg_app, "tess").get(f"/classes/{school['class']}/export?table=responses").get_data()
    assert body == expected_document(pg_app, school["class"]).encode() and body.count(b"\r\n") == 1 + 2 * 2
