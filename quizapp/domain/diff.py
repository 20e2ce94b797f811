"""What an upload would change in a bank: questions added, retired and changed, each change classed minor or
major, with a word-level diff of every changed field.

Pure: it compares plain data (a question's stored JSON as a dict) and never reads the database. A change is
**major** when it changes what is right (the key, choices, tolerance, gaps, pairs, order: each question type
says which of its fields hold that, through :meth:`QuestionType.is_major`), and **minor** otherwise
(wording, feedback, explanations, references, tags). Importing a bank restarts learners' memory of the cards
of a question with a major change; see ``docs/authoring.md``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import types as question_types

_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
SKIPPED_FIELDS = ("id", "type")  # a question's identity, compared apart
HEADER_FIELDS = ("title", "description", "language", "license", "authors", "reviewed_on", "tags")


class Status(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    RESTORED = "restored"  # retired before, back now (perhaps changed)
    RETIRED = "retired"
    UNCHANGED = "unchanged"


class Op(StrEnum):
    SAME = "same"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class Segment:
    """A run of words that both versions share, or that one of them has alone."""

    op: Op
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its path in the stored data, a label for people, both texts and their word diff."""

    path: tuple[str, ...]
    label: str
    old: str  # "" when the field is new
    new: str  # "" when the field is gone
    major: bool

    @property
    def segments(self) -> list[Segment]:
        return word_diff(self.old, self.new)


@dataclass(frozen=True)
class QuestionDiff:
    key: str
    type: str
    status: Status
    data: Mapping[str, Any]  # the question as it will be (as it was, for a retired one)
    fields: tuple[FieldChange, ...] = ()

    @property
    def major(self) -> bool:
        return any(f.major for f in self.fields)

    @property
    def severity(self) -> str:
        if not self.fields:
            return ""
        return "major" if self.major else "minor"


@dataclass(frozen=True)
class LiveQuestion:
    key: str
    type: str
    data: Mapping[str, Any]
    retired: bool = False


@dataclass(frozen=True)
class BankDiff:
    """The whole comparison: the bank's header, its quizzes and every question, in the new bank's order
    followed by the questions it retires."""

    slug: str
    title: str
    base_version: int  # the live version compared with; 0 for a new bank
    header: tuple[FieldChange, ...]
    questions: tuple[QuestionDiff, ...]
    skipped: tuple[str, ...] = ()  # what a converter could not map, as it reported it

    def of(self, *statuses: Status) -> list[QuestionDiff]:
        return [q for q in self.questions if q.status in statuses]

    @property
    def counts(self) -> dict[str, int]:
        changed = [q for q in self.questions if q.fields and q.status in (Status.CHANGED, Status.RESTORED)]
        found = {s.value: 0 for s in Status}
        for q in self.questions:
            found[q.status.value] += 1
        found["major"] = sum(q.major for q in changed)
        found["minor"] = len(changed) - found["major"]
        found["total"] = len([q for q in self.questions if q.status != Status.RETIRED])
        return found

    @property
    def empty(self) -> bool:
        """Publishing would change nothing a learner sees (formatting aside)."""
        return not self.header and all(q.status == Status.UNCHANGED for q in self.questions)

    @property
    def new_bank(self) -> bool:
        return self.base_version == 0

    def to_data(self) -> dict[str, Any]:
        """Plain data, for storing with a staged import."""
        return {
            "slug": self.slug,
            "title": self.title,
            "base_version": self.base_version,
            "header": [_change_data(c) for c in self.header],
            "questions": [
                {
                    "key": q.key,
                    "type": q.type,
                    "status": q.status.value,
                    "data": dict(q.data),
                    "fields": [_change_data(c) for c in q.fields],
                }
                for q in self.questions
            ],
            "skipped": list(self.skipped),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BankDiff:
        return cls(
            slug=data["slug"],
            title=data["title"],
            base_version=data["base_version"],
            header=tuple(_change_from(c) for c in data["header"]),
            questions=tuple(
                QuestionDiff(
                    key=q["key"],
                    type=q["type"],
                    status=Status(q["status"]),
                    data=q["data"],
                    fields=tuple(_change_from(c) for c in q["fields"]),
                )
                for q in data["questions"]
            ),
            skipped=tuple(data.get("skipped", ())),
        )


def _change_data(c: FieldChange) -> dict[str, Any]:
    return {"path": list(c.path), "label": c.label, "old": c.old, "new": c.new, "major": c.major}


def _change_from(d: Mapping[str, Any]) -> FieldChange:
    return FieldChange(tuple(d["path"]), d["label"], d["old"], d["new"], d["major"])


# --- words -----------------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Words, runs of spaces and single punctuation marks: joined, they give the text back."""
    return _TOKEN_RE.findall(text)


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``, word by word (a replaced run: deleted, then inserted)."""
    a, b = tokens(old), tokens(new)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment(Op.SAME, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment(Op.DELETED, "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment(Op.INSERTED, "".join(b[j1:j2])))
    return segments


# --- fields ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def flatten(data: Mapping[str, Any], skip: Sequence[str] = SKIPPED_FIELDS) -> dict[tuple[str, ...], str]:
    """Every field of ``data`` as text, by path. A list of texts is one field (one item a line); a list of
    mappings that all have an ``id`` is keyed by it (so reordering choices changes only their order, kept
    under the list's own path), any other list of mappings by position from 1."""
    out: dict[tuple[str, ...], str] = {}
    _flatten(data, (), out, skip)
    return out


def _flatten(value: Any, path: tuple[str, ...], out: dict[tuple[str, ...], str], skip: Sequence[str] = ()) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key not in skip:
                _flatten(item, (*path, str(key)), out)
        return
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) for v in value):
            keyed = all("id" in v for v in value)
            for k, item in enumerate(value, 1):
                name = str(item["id"]) if keyed else str(k)
                _flatten(item, (*path, name), out, ("id",) if keyed else ())
            if keyed:
                out[path] = "\n".join(str(item["id"]) for item in value)  # their order
            return
        if value:
            out[path] = "\n".join(_text(v) for v in value)
        return
    out[path] = _text(value)


_SINGULAR = {"choices": "choice", "pairs": "pair", "references": "reference", "quizzes": "quiz"}


def label(path: tuple[str, ...]) -> str:
    """``("choices", "b", "text")`` → ``choice b: text``; ``("choices",)`` → ``order of the choices``."""
    if len(path) == 1 and path[0] in _SINGULAR:
        return f"order of the {path[0]}"
    words: list[str] = []
    rest = list(path)
    while rest:
        name = rest.pop(0)
        if name in _SINGULAR and rest:
            words.append(f"{_SINGULAR[name]} {rest.pop(0)}")
        else:
            words.append(name.replace("_", " "))
    return words[0] if len(words) == 1 else f"{' '.join(words[:-1])}: {words[-1]}"


def _parent_paths(paths: Iterable[tuple[str, ...]]) -> set[tuple[str, ...]]:
    return {p[:k] for p in paths for k in range(1, len(p))}


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
    """``(path, old text, new text)`` of each field that differs, in the new data's order (then gone ones).

    A nested item that appears or disappears whole (a choice, a reference) is one change under its own path.
    """
    a, b = flatten(old), flatten(new)
    found = []
    whole_a, whole_b = _items(old), _items(new)
    gone = {p for p in whole_a if p not in whole_b}
    came = {p for p in whole_b if p not in whole_a}
    keyed = {path[:-1] for path in whole_a} | {path[:-1] for path in whole_b}
    for path in dict.fromkeys([*b, *a]):
        if any(path[: len(w)] == w and path != w for w in gone | came):
            continue
        if path in keyed and _common_order(a.get(path, ""), b.get(path, "")):
            continue  # only items added or removed: no item moved
        if a.get(path, "") != b.get(path, ""):
            found.append((path, a.get(path, ""), b.get(path, "")))
    for path in sorted(came | gone):
        found.append((path, whole_a.get(path, ""), whole_b.get(path, "")))
    return found


def _common_order(old: str, new: str) -> bool:
    """Whether the ids both lists share are in the same order."""
    a, b = old.split("\n"), new.split("\n")
    return [i for i in a if i in b] == [i for i in b if i in a]


def _items(data: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Each item of a list of mappings, as one text (its fields a line each), by its path."""
    out = {}
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            keyed = all("id" in v for v in value)
            for k, item in enumerate(value, 1):
                name = str(item["id"]) if keyed else str(k)
                lines = [f"{label(f)}: {t}" for f, t in flatten(item, ("id",)).items()]
                out[(key, name)] = "\n".join(lines)
    return out


# --- questions and banks ---------------------------------------------------------------------------------


def question_changes(type_name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """The changed fields of one question, each classed by its (new) type; a change of type is major."""
    if old == new:
        return ()
    kind = question_types.get(new.get("type", type_name))
    retyped = old.get("type") != new.get("type")
    changes = []
    if retyped:
        changes.append(FieldChange(("type",), "type", str(old.get("type", "")), str(new.get("type", "")), True))
    for path, before, after in field_changes(old, new):
        major = retyped or kind.is_major(path, old, new)
        changes.append(FieldChange(path, label(path), before, after, major))
    return tuple(changes)


def is_major_change(type_name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether going from ``old`` to ``new`` changes what is right."""
    return any(c.major for c in question_changes(type_name, old, new))


def header_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Changes to the bank's own fields and its quizzes (``new`` has ``quizzes`` beside the header); all
    minor: none changes what is right."""
    if old is None:
        return ()
    changes = []
    for path, before, after in field_changes(old, new):
        changes.append(FieldChange(path, label(path), before, after, False))
    return tuple(changes)


def diff_bank(
    slug: str,
    title: str,
    base_version: int,
    live_header: Mapping[str, Any] | None,
    live: Iterable[LiveQuestion],
    header: Mapping[str, Any],
    questions: Sequence[Mapping[str, Any]],
    skipped: Sequence[str] = (),
) -> BankDiff:
    """Compare an upload (its header with ``quizzes``, and its questions' stored data in order) with the live
    bank (``live_header`` None and ``live`` empty for a new bank)."""
    by_key = {q.key: q for q in live}
    found = []
    for data in questions:
        key, kind = data["id"], data["type"]
        old = by_key.get(key)
        if old is None:
            found.append(QuestionDiff(key, kind, Status.ADDED, data))
            continue
        fields = question_changes(kind, old.data, data)
        status = Status.RESTORED if old.retired else (Status.CHANGED if fields else Status.UNCHANGED)
        found.append(QuestionDiff(key, kind, status, data, fields))
    keys = {data["id"] for data in questions}
    for old in by_key.values():
        if old.key not in keys and not old.retired:
            found.append(QuestionDiff(old.key, old.type, Status.RETIRED, old.data))
    return BankDiff(
        slug=slug,
        title=title,
        base_version=base_version,
        header=header_changes(live_header, header),
        questions=tuple(found),
        skipped=tuple(skipped),
    )


__all__ = [
    "HEADER_FIELDS",
    "BankDiff",
    "FieldChange",
    "LiveQuestion",
    "Op",
    "QuestionDiff",
    "Segment",
    "Status",
    "diff_bank",
    "field_changes",
    "flatten",
    "header_changes",
    "is_major_change",
    "label",
    "question_changes",
    "tokens",
    "word_diff",
]
