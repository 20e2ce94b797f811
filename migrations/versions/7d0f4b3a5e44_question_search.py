"""question search: a full-text index of the current questions (FTS5 on SQLite, tsvector on PostgreSQL)

The index holds, for each live question, the words it is found by, already folded and split (see the
rules copied below), so that each database only splits them on spaces and both find the same questions.
Questions imported before this revision are indexed here (later imports keep the index in step).

Neither table is in the models' metadata: env.py leaves them out of autogenerate's comparison.

Revision ID: 7d0f4b3a5e44
Revises: 6c9e3a2f4d33
Create Date: 2026-11-26 10:00:00.000000

"""
import json
import re
import unicodedata

from alembic import context, op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7d0f4b3a5e44'
down_revision = '6c9e3a2f4d33'
branch_labels = None
depends_on = None

# The application's rules as they stood at this revision, copied here so that this migration runs the same
# however the application changes: what a word is, and which texts of each question type are searched.
MAX_WORD_CHARS = 60
BLANK = "\ue002"
CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.DOTALL)


def _word_char(char):
    category = unicodedata.category(char)
    if category[0] == "L":
        return char
    if category == "Nd":
        return str(unicodedata.decimal(char))
    return None


def words(text):
    """Letters and digits of the text in compatibility form, case-folded, accents dropped."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    found, current = [], []
    for char in (c for c in folded if not unicodedata.combining(c)):
        kept = _word_char(char)
        if kept is not None:
            current.append(kept)
        elif current:
            found.append("".join(current)[:MAX_WORD_CHARS])
            current = []
    if current:
        found.append("".join(current)[:MAX_WORD_CHARS])
    return found


def word_text(texts):
    return " ".join(dict.fromkeys(w for text in texts for w in words(text)))


def listing_prompt(data):
    if data["type"] == "flashcard":
        return data["front"]  # the back is the answer
    if data["type"] == "cloze":
        return CLOZE_RE.sub(BLANK, data["prompt"])  # never a gap's answer
    return data["prompt"]


def search_texts(data):
    kind = data["type"]
    if kind in ("single", "multiple"):
        return tuple(c["text"] for c in data["choices"])
    if kind == "matching":
        pairs = data["pairs"]
        return (*(p["left"] for p in pairs), *(p["right"] for p in pairs), *data["distractors"])
    if kind == "ordering":
        return tuple(sorted(data["items"], key=str.casefold))
    return ()


def document(data):
    tags = tuple(data.get("tags") or ())
    return {
        "prompt": word_text([listing_prompt(data)]),
        "other": word_text([*search_texts(data), *tags]),
        "tags": "|" + "|".join(sorted(set(tags))) + "|",
    }


def upgrade():
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        # The words are made in Python; the ascii tokenizer then only splits them on the spaces between them.
        op.execute(
            "CREATE VIRTUAL TABLE question_search USING fts5(prompt, other, tags UNINDEXED, tokenize = 'ascii')"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE TABLE question_search ("
            "question_id INTEGER NOT NULL, tags TEXT NOT NULL, prompt TSVECTOR NOT NULL, other TSVECTOR NOT NULL, "
            "CONSTRAINT pk_question_search PRIMARY KEY (question_id), "
            "CONSTRAINT fk_question_search_question_id_questions FOREIGN KEY(question_id) "
            "REFERENCES questions (id) ON DELETE CASCADE)"
        )
        op.execute("CREATE INDEX ix_question_search_words ON question_search USING gin ((prompt || other))")
    else:
        raise NotImplementedError(f"question search needs SQLite or PostgreSQL, not {dialect}")
    _index_existing_questions(dialect)


def _index_existing_questions(dialect):
    if context.is_offline_mode():
        # No database to read the questions from: a script made for an empty database needs nothing here.
        op.execute(
            "-- Questions imported before this revision are indexed only when upgrading online "
            "(flask db upgrade without --sql), or with flask bank reindex"
        )
        return
    conn = op.get_bind()
    rows = []
    for qid, data in conn.execute(sa.text("SELECT id, data FROM questions WHERE retired_at IS NULL ORDER BY id")):
        content = json.loads(data) if isinstance(data, str) else data
        rows.append({"id": qid, **document(content)})
    if not rows:
        return
    if dialect == "sqlite":
        statement = "INSERT INTO question_search (rowid, prompt, other, tags) VALUES (:id, :prompt, :other, :tags)"
    else:
        statement = (
            "INSERT INTO question_search (question_id, tags, prompt, other) "
            "VALUES (:id, :tags, CAST(:prompt AS tsvector), CAST(:other AS tsvector))"
        )
    conn.execute(sa.text(statement), rows)


def downgrade():
    op.execute("DROP TABLE question_search")  # on PostgreSQL its index goes with it
