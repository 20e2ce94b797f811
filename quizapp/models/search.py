"""The search index: one row per current question, in a table each database builds its own way.

The migration that adds it (``7d0f4b3a5e44``) makes, on SQLite, an FTS5 virtual table whose rowid is the
question id::

    question_search(prompt, other, tags UNINDEXED)  -- tokenize = 'ascii'

and on PostgreSQL a table of ``tsvector`` columns with a GIN index on the words of both::

    question_search(question_id PK → questions ON DELETE CASCADE, tags text, prompt tsvector, other tsvector)
    ix_question_search_words ON question_search USING gin ((prompt || other))

Neither is in the models' metadata (SQLite's virtual table and its shadow tables cannot be): the
migration owns them, ``migrations/env.py`` leaves them out of comparisons, and this module describes them
for Core statements. The words stored are those of :mod:`quizapp.domain.search`, already folded and split,
so each database only splits on spaces and both find the same questions.

:class:`SearchIndex` is what differs between the two: the key column, how words are stored, and how a
query's words are matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, String, Text, bindparam, case, cast, column, func, literal, select, table
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.sql.expression import TableClause

from ..domain.search import tag_field

TABLE = "question_search"
# The virtual table and the shadow tables FTS5 keeps its index in.
SQLITE_TABLES = (TABLE, *(f"{TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config")))


@dataclass(frozen=True)
class SearchIndex:
    """The index table as one database has it."""

    dialect: str
    table: TableClause

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def key(self) -> ColumnElement[int]:
        """The question id of a row."""
        return self.table.c.rowid if self.sqlite else self.table.c.question_id

    def stored(self, name: str) -> ColumnElement:
        """The value to insert for the words column ``name`` (bound as ``name``): the words as they are
        (SQLite), or the ``tsvector`` of exactly those words, no dictionary applied (PostgreSQL)."""
        value = bindparam(name, type_=Text)
        return value if self.sqlite else cast(value, TSVECTOR)

    def match(self, words: Sequence[str]) -> ColumnElement[bool]:
        """Rows where every one of ``words`` begins a word of the prompt or of the other texts. ``words``
        come from :func:`quizapp.domain.search.parse_query`: letters and digits only, so quoting them
        cannot go wrong."""
        if self.sqlite:
            return column(TABLE).op("MATCH")(literal(_fts5(words)))
        both = self.table.c.prompt.op("||")(self.table.c.other)
        return both.op("@@")(cast(literal(_tsquery(words)), TSQUERY))

    def tier(self, words: Sequence[str]) -> ColumnElement[int]:
        """0 for a row whose prompt alone has every one of ``words``, else 1."""
        if not words:
            return literal(0)
        if self.sqlite:
            # MATCH is only allowed in a WHERE clause: ask which rows match in the prompt column alone.
            inner = self.table.alias("prompt_match")
            in_prompt = self.key.in_(select(inner.c.rowid).where(inner.c.prompt.op("MATCH")(literal(_fts5(words)))))
        else:
            in_prompt = self.table.c.prompt.op("@@")(cast(literal(_tsquery(words)), TSQUERY))
        return case((in_prompt, 0), else_=1)

    def has_tag(self, tag: str) -> ColumnElement[bool]:
        """Rows of questions tagged ``tag`` (compared exactly, as tags are written)."""
        position = func.instr if self.sqlite else func.strpos
        return position(self.table.c.tags, literal(tag_field([tag]))) > 0


def _fts5(words: Sequence[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)


def _tsquery(words: Sequence[str]) -> str:
    return " & ".join(f"'{w}':*" for w in words)


def search_index(dialect: str) -> SearchIndex:
    """The index as the database ``dialect`` (``sqlite`` or ``postgresql``) has it."""
    sqlite = dialect == "sqlite"
    words = Text if sqlite else TSVECTOR
    return SearchIndex(
        dialect,
        table(
            TABLE,
            column("rowid" if sqlite else "question_id", Integer),
            column("tags", String),
            column("prompt", words),
            column("other", words),
        ),
    )
