"""The question-bank format (version 1): its model, its validation and its JSON Schema.

Pure: no Flask, no database. ``parse_bank`` turns YAML text into a validated :class:`Bank` or raises
:class:`BankError` listing every problem found, each with file, line, column and field path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from .yamlload import BankError, Plain, Problem, format_path, load, locate

FORMAT_VERSION = 1
QUIZ_TYPES = ("single", "multiple", "true_false", "short_answer", "numeric", "cloze", "matching", "ordering")
QUESTION_TYPES = (*QUIZ_TYPES, "flashcard")
DIFFICULTIES = ("easy", "medium", "hard")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
TAG_RE = SLUG_RE
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.DOTALL)
INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
FLOAT_RE = re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("quizapp", message)


def _kind(value: Any) -> str:
    if isinstance(value, Plain):
        return {"null": "nothing", "bool": "a yes/no value", "timestamp": "a date"}.get(value.kind, "a number")
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _text(value: Any) -> str:
    if isinstance(value, str) and not (isinstance(value, Plain) and value.kind == "null" and value == ""):
        if isinstance(value, Plain) and value.kind == "null":
            return str(value)  # "null" or "~" typed where text is expected stays text
        text = str(value)
        if not text.strip():
            raise _error("must not be empty")
        return text
    raise _error(f"expected text, got {_kind(value)}")


def _slug(value: Any) -> str:
    text = _text(value)
    if len(text) > 64 or not SLUG_RE.match(text):
        raise _error(
            f"{text!r} is not a valid id: use lowercase letters, digits and single - or _ between them (max 64)"
        )
    return text


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):  # from stored JSON, never from YAML
        return value
    if isinstance(value, Plain) and value.kind in ("int", "float") and INT_RE.match(value):
        return int(value)
    if isinstance(value, Plain) and value.kind == "int":
        raise _error(f"write the whole number {value!r} in plain decimal (no leading zeros, no 0x/0o, no colons)")
    raise _error(f"expected a whole number, got {_kind(value)}")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, Plain) and value.kind in ("int", "float") and FLOAT_RE.match(value):
        result = float(value)
        if math.isfinite(result):
            return result
    if isinstance(value, Plain) and value.kind in ("int", "float"):
        raise _error(f"write the number {value!r} in plain decimal, e.g. 2.5 or 1e-3")
    raise _error(f"expected a number, got {_kind(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Plain) and value.kind == "bool" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, Plain) and value.kind == "bool":
        raise _error(f"write true or false, not {value!r}")
    raise _error(f"expected true or false, got {_kind(value)}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise _error(f"{value!r} is not a real date") from None
    raise _error(f"expected a date written as YYYY-MM-DD, got {_kind(value)} {str(value)!r}")


def _pattern(regex: re.Pattern[str], what: str):
    def check(value: Any) -> str:
        text = _text(value).strip()
        if not regex.match(text):
            raise _error(f"{text!r} is not {what}")
        return text

    return check


def _tag(value: Any) -> str:
    text = _text(value)
    if len(text) > 64 or not TAG_RE.match(text):
        raise _error(f"{text!r} is not a valid tag: use lowercase letters, digits and single - or _ between them")
    return text


def _list(value: Any) -> Any:
    if isinstance(value, Plain) and value.kind == "null":
        return []
    if not isinstance(value, list):
        raise _error(f"expected a list, got {_kind(value)}")
    return value


Text = Annotated[str, BeforeValidator(_text)]
Slug = Annotated[str, BeforeValidator(_slug)]
Tag = Annotated[str, BeforeValidator(_tag)]
Int = Annotated[int, BeforeValidator(_int)]
Number = Annotated[float, BeforeValidator(_number)]
Bool = Annotated[bool, BeforeValidator(_bool)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Doi = Annotated[str, BeforeValidator(_pattern(DOI_RE, "a DOI (it should look like 10.1056/NEJMra1401483)"))]
Pmid = Annotated[str, BeforeValidator(_pattern(PMID_RE, "a PMID (digits only, e.g. 29275977)"))]
Url = Annotated[str, BeforeValidator(_pattern(URL_RE, "a web address starting with http:// or https://"))]
Language = Annotated[str, BeforeValidator(_pattern(LANG_RE, "a language code such as en or en-GB"))]


def _enum(*values: str):
    def check(value: Any) -> str:
        text = _text(value)
        if text not in values:
            raise _error(f"{text!r} is not allowed; use one of: {', '.join(values)}")
        return text

    return BeforeValidator(check)


Difficulty = Annotated[str, _enum(*DIFFICULTIES)]
TagList = Annotated[list[Tag], BeforeValidator(_list)]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Reference(_Model):
    citation: Text
    doi: Doi | None = None
    pmid: Pmid | None = None
    url: Url | None = None


class Choice(_Model):
    id: Slug
    text: Text
    correct: Bool = False
    feedback: Text | None = None


class _Question(_Model):
    id: Slug
    explanation: Text | None = None
    tags: TagList = []
    difficulty: Difficulty | None = None
    points: Number = 1.0
    references: Annotated[list[Reference], BeforeValidator(_list)] = []


class SingleQuestion(_Question):
    type: Literal["single"]
    prompt: Text
    choices: list[Choice] = Field(min_length=2, max_length=20)
    shuffle: Bool = True


class MultipleQuestion(_Question):
    type: Literal["multiple"]
    prompt: Text
    choices: list[Choice] = Field(min_length=2, max_length=20)
    scoring: Annotated[str, _enum("partial", "all_or_nothing")] = "partial"
    shuffle: Bool = True


class TrueFalseFeedback(_Model):
    true: Text | None = None
    false: Text | None = None


class TrueFalseQuestion(_Question):
    type: Literal["true_false"]
    prompt: Text
    answer: Bool
    feedback: TrueFalseFeedback = TrueFalseFeedback()


class ShortAnswerQuestion(_Question):
    type: Literal["short_answer"]
    prompt: Text
    answers: list[Text] = Field(min_length=1)
    strict: Bool = False


class NumericQuestion(_Question):
    type: Literal["numeric"]
    prompt: Text
    answer: Number
    tolerance: Number = 0.0
    unit: Text | None = None


class ClozeQuestion(_Question):
    type: Literal["cloze"]
    prompt: Text
    strict: Bool = False


class Pair(_Model):
    left: Text
    right: Text


class MatchingQuestion(_Question):
    type: Literal["matching"]
    prompt: Text
    pairs: list[Pair] = Field(min_length=2, max_length=20)
    distractors: list[Text] = []


class OrderingQuestion(_Question):
    type: Literal["ordering"]
    prompt: Text
    items: list[Text] = Field(min_length=2, max_length=20)


class Flashcard(_Question):
    type: Literal["flashcard"]
    front: Text
    back: Text


Question = Annotated[
    Union[  # noqa: UP007 - pydantic's discriminated union reads clearer this way
        SingleQuestion,
        MultipleQuestion,
        TrueFalseQuestion,
        ShortAnswerQuestion,
        NumericQuestion,
        ClozeQuestion,
        MatchingQuestion,
        OrderingQuestion,
        Flashcard,
    ],
    Field(discriminator="type"),
]


class Quiz(_Model):
    id: Slug
    title: Text
    description: Text | None = None
    mode: Annotated[str, _enum("practice", "exam")] = "practice"
    questions: list[Slug] | None = None
    tags: TagList = []
    count: Int | None = Field(default=None, gt=0)
    time_limit_minutes: Int | None = Field(default=None, gt=0, le=24 * 60)
    shuffle: Bool = True


class BankHeader(_Model):
    format: Int
    id: Slug
    title: Text
    description: Text
    language: Language
    license: Text
    authors: list[Text] = Field(min_length=1)
    reviewed_on: Date
    tags: TagList = []
    questions: list[Any] = Field(min_length=1)
    quizzes: Annotated[list[Any], BeforeValidator(_list)] = []


class Bank(_Model):
    """A validated bank."""

    format: Int
    id: Slug
    title: Text
    description: Text
    language: Language
    license: Text
    authors: list[Text]
    reviewed_on: Date
    tags: list[Tag]
    questions: list[Question]
    quizzes: list[Quiz] = []

    def question_hashes(self) -> dict[str, str]:
        return {q.id: question_hash(q) for q in self.questions}


_QUESTION = TypeAdapter(Question)
_QUIZ = TypeAdapter(Quiz)


def question_json(question: Any) -> str:
    """Canonical JSON of a question: what is stored, hashed and compared between versions."""
    return question.model_dump_json(exclude_defaults=False)


def question_hash(question: Any) -> str:
    return hashlib.sha256(question_json(question).encode()).hexdigest()


def cloze_gaps(text: str) -> list[tuple[int, list[str], str | None]]:
    """Return the gaps of a cloze text as (number, accepted answers, hint)."""
    gaps = []
    for match in CLOZE_RE.finditer(text):
        answer, _, hint = match.group(2).partition("::")
        gaps.append((int(match.group(1)), [a.strip() for a in answer.split("|")], hint.strip() or None))
    return gaps


# --- validation -----------------------------------------------------------------------------------------


def _messages(exc: ValidationError) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """Yield (loc, plain-English message, point-at-key) for each pydantic error."""
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "quizapp":
            yield loc, err["msg"], False
        elif kind == "missing":
            yield loc[:-1], f"missing required field {loc[-1]!r}", False
        elif kind == "extra_forbidden":
            yield loc, _unknown_field(loc[-1], err), True
        elif kind == "union_tag_invalid":
            got = err.get("ctx", {}).get("tag")
            yield (*loc, "type"), f"unknown question type {got!r}; use one of: {', '.join(QUESTION_TYPES)}", False
        elif kind == "union_tag_not_found":
            yield loc, "missing required field 'type'", False
        elif kind in ("literal_error",):
            yield loc, f"not allowed here: {err['msg']}", False
        elif kind in ("too_short", "too_long"):
            ctx = err.get("ctx", {})
            bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
            word = "at least" if kind == "too_short" else "at most"
            yield loc, f"needs {word} {bound} item{'s' if bound != 1 else ''}", False
        elif kind in ("greater_than", "less_than_equal", "greater_than_equal"):
            yield loc, f"must be {err['msg'].removeprefix('Input should be ')}", False
        elif kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
            want = "a list" if kind == "list_type" else "a mapping of fields"
            yield loc, f"expected {want}, got {_kind(err.get('input'))}", False
        else:
            yield loc, err["msg"], False


def _unknown_field(name: Any, err: dict[str, Any]) -> str:
    return f"unknown field {name!r}"


def _known_fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


_TYPE_MODELS: dict[str, type[BaseModel]] = {
    "single": SingleQuestion,
    "multiple": MultipleQuestion,
    "true_false": TrueFalseQuestion,
    "short_answer": ShortAnswerQuestion,
    "numeric": NumericQuestion,
    "cloze": ClozeQuestion,
    "matching": MatchingQuestion,
    "ordering": OrderingQuestion,
    "flashcard": Flashcard,
}


class _Report:
    def __init__(self, filename: str, root: Any):
        self.filename = filename
        self.root = root
        self.problems: list[Problem] = []

    def add(self, path: tuple[Any, ...], message: str, at_key: bool = False) -> None:
        line, column, resolved = locate(self.root, path, at_key)
        self.problems.append(Problem(self.filename, line, column, format_path(resolved), message))

    def add_validation(self, prefix: tuple[Any, ...], exc: ValidationError, fields: list[str] | None = None) -> None:
        for loc, message, at_key in _messages(exc):
            path = (*prefix, *loc)
            if at_key and fields is not None:
                hint = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.75)
                if hint:
                    message += f"; did you mean {hint[0]!r}?"
            self.add(path, message, at_key)


def parse_bank(source: bytes | str, filename: str = "<bank>") -> Bank:
    """Load and validate one bank, raising :class:`BankError` with every problem found."""
    data, root = load(source, filename)
    report = _Report(filename, root)
    if not isinstance(data, dict):
        report.add((), f"a bank must be a mapping of fields (format, id, title, ...), got {_kind(data)}")
        raise BankError(report.problems)
    try:
        header: BankHeader | None = BankHeader.model_validate(data)
    except ValidationError as exc:
        header = None
        report.add_validation((), exc, _known_fields(BankHeader))
    fmt = data.get("format")
    if isinstance(fmt, Plain) and fmt.kind == "int" and INT_RE.match(fmt) and int(fmt) != FORMAT_VERSION:
        report.add(("format",), f"unsupported format {fmt}; this version of quizapp reads format {FORMAT_VERSION}")

    questions: list[Any] = []
    raw_questions = data.get("questions")
    for i, raw in enumerate(raw_questions if isinstance(raw_questions, list) else []):
        try:
            question = _QUESTION.validate_python(raw)
        except ValidationError as exc:
            kind = raw.get("type") if isinstance(raw, dict) else None
            model = _TYPE_MODELS.get(kind) if isinstance(kind, str) else None
            report.add_validation(("questions", i), exc, _known_fields(model) if model else None)
            continue
        questions.append((i, question))
        for path, message in _check_question(question):
            report.add(("questions", i, *path), message)

    _check_unique_ids(report, raw_questions)

    quizzes: list[Any] = []
    raw_quizzes = data.get("quizzes")
    for j, raw in enumerate(raw_quizzes if isinstance(raw_quizzes, list) else []):
        try:
            quizzes.append((j, _QUIZ.validate_python(raw)))
        except ValidationError as exc:
            report.add_validation(("quizzes", j), exc, _known_fields(Quiz))
    _check_quizzes(report, quizzes, [q for _, q in questions], raw_questions)

    if report.problems or header is None:
        raise BankError(report.problems)
    return Bank.model_construct(
        **{k: getattr(header, k) for k in BankHeader.model_fields if k not in ("questions", "quizzes")},
        questions=[q for _, q in questions],
        quizzes=[q for _, q in quizzes],
    )


def _check_question(q: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    if q.points <= 0:
        yield ("points",), "must be greater than 0"
    for k, ref in enumerate(q.references):
        if not (ref.citation or "").strip():
            yield ("references", k, "citation"), "a reference needs its citation text"
    if q.type in ("single", "multiple"):
        seen: set[str] = set()
        for k, choice in enumerate(q.choices):
            if choice.id in seen:
                yield ("choices", k, "id"), f"duplicate choice id {choice.id!r} in this question"
            seen.add(choice.id)
        correct = sum(c.correct for c in q.choices)
        if q.type == "single" and correct != 1:
            yield ("choices",), f"a single-choice question needs exactly one correct choice; it has {correct}"
        if q.type == "multiple" and correct == 0:
            yield ("choices",), "a multiple-choice question needs at least one correct choice"
        texts = Counter(c.text.strip().casefold() for c in q.choices)
        for text, n in texts.items():
            if n > 1:
                yield ("choices",), f"two choices have the same text {text!r}"
    elif q.type == "numeric":
        if q.tolerance < 0:
            yield ("tolerance",), f"the tolerance must be 0 or more, not {q.tolerance:g}"
    elif q.type == "short_answer":
        for k, answer in enumerate(q.answers):
            if not answer.strip():
                yield ("answers", k), "an accepted answer must not be empty"
    elif q.type == "cloze":
        gaps = cloze_gaps(q.prompt)
        if not gaps:
            yield ("prompt",), "a cloze question needs at least one gap written as {{c1::answer}}"
        for number, answers, _hint in gaps:
            if number < 1:
                yield ("prompt",), f"gap c{number}: gaps are numbered from c1"
            if not all(answers):
                yield ("prompt",), f"gap c{number} has an empty answer"
        if "{{" in CLOZE_RE.sub("", q.prompt):
            yield ("prompt",), "a gap is not closed or not written as {{c1::answer}}"
    elif q.type == "matching":
        lefts = Counter(p.left.strip() for p in q.pairs)
        rights = Counter(p.right.strip() for p in q.pairs)
        for side, counts in (("left", lefts), ("right", rights)):
            for text, n in counts.items():
                if n > 1:
                    yield ("pairs",), f"the {side} side {text!r} appears {n} times; each must be unique"
        for k, extra in enumerate(q.distractors):
            if extra.strip() in rights:
                yield ("distractors", k), f"the distractor {extra!r} is also a correct answer"
    elif q.type == "ordering":
        for text, n in Counter(i.strip() for i in q.items).items():
            if n > 1:
                yield ("items",), f"the item {text!r} appears {n} times; each must be unique"


def _check_unique_ids(report: _Report, raw_questions: Any) -> None:
    if not isinstance(raw_questions, list):
        return
    first: dict[str, int] = {}
    for i, raw in enumerate(raw_questions):
        qid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(qid, str):
            continue
        if qid in first:
            report.add(("questions", i, "id"), f"duplicate question id {qid!r} (first used by questions[{first[qid]}])")
        else:
            first[qid] = i


def _check_quizzes(report: _Report, quizzes: list[Any], questions: list[Any], raw_questions: Any) -> None:
    by_id = {q.id: q for q in questions}
    all_ids = {r.get("id") for r in raw_questions if isinstance(r, dict)} if isinstance(raw_questions, list) else set()
    quiz_tags = {t for q in questions if q.type != "flashcard" for t in q.tags}
    seen: dict[str, int] = {}
    for j, quiz in quizzes:
        if quiz.id in seen:
            report.add(("quizzes", j, "id"), f"duplicate quiz id {quiz.id!r} (first used by quizzes[{seen[quiz.id]}])")
        seen.setdefault(quiz.id, j)
        pool = [q for q in questions if q.type != "flashcard"]
        if quiz.questions is not None:
            for k, qid in enumerate(quiz.questions):
                if qid not in all_ids:
                    report.add(("quizzes", j, "questions", k), f"no question has the id {qid!r}")
                elif qid in by_id and by_id[qid].type == "flashcard":
                    report.add(
                        ("quizzes", j, "questions", k), f"{qid!r} is a flashcard; flashcards are never in a quiz"
                    )
            pool = [by_id[qid] for qid in quiz.questions if qid in by_id and by_id[qid].type != "flashcard"]
        for k, tag in enumerate(quiz.tags):
            if tag not in quiz_tags:
                report.add(("quizzes", j, "tags", k), f"no quiz question in this bank has the tag {tag!r}")
        if quiz.tags:
            pool = [q for q in pool if set(q.tags) & set(quiz.tags)]
        if not pool and not report.problems:
            report.add(("quizzes", j), "this quiz would have no questions")
        if quiz.count is not None and pool and quiz.count > len(pool):
            report.add(("quizzes", j, "count"), f"asks for {quiz.count} questions but only {len(pool)} match")


def quiz_pool(bank: Bank, quiz: Quiz) -> list[Any]:
    """The questions a quiz draws from, in bank order."""
    pool = [q for q in bank.questions if q.type != "flashcard"]
    if quiz.questions is not None:
        wanted = set(quiz.questions)
        pool = [q for q in pool if q.id in wanted]
    if quiz.tags:
        pool = [q for q in pool if set(q.tags) & set(quiz.tags)]
    return pool


def json_schema() -> dict[str, Any]:
    """The bank format as JSON Schema, for editors' completion and checking."""
    schema = TypeAdapter(_SchemaBank).json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://quizapp.invalid/schema/bank-v1.json"
    schema["title"] = "quizapp question bank, format 1"
    return schema


class _SchemaBank(BankHeader):
    """Only for the schema: the header with its questions and quizzes typed."""

    questions: list[Question] = Field(min_length=1)  # type: ignore[assignment]
    quizzes: list[Quiz] = []  # type: ignore[assignment]


def bank_to_data(bank: Bank) -> dict[str, Any]:
    """A plain-data form of a bank (for export), leaving out fields at their default value."""
    data = bank.model_dump(mode="json", exclude_defaults=True)
    data["format"] = bank.format
    data["reviewed_on"] = bank.reviewed_on
    data["questions"] = [
        _ordered({**raw, "type": q.type}) for q, raw in zip(bank.questions, data["questions"], strict=True)
    ]
    head = ("format", "id", "title", "description", "language", "license", "authors", "reviewed_on", "tags")
    return _ordered(data, head)


_QUESTION_HEAD = ("id", "type", "prompt", "front", "back")


def _ordered(data: dict[str, Any], head: tuple[str, ...] = _QUESTION_HEAD) -> dict[str, Any]:
    """Put the fields a reader looks for first at the top, as an author would write them."""
    first = {k: data[k] for k in head if k in data}
    return first | {k: v for k, v in data.items() if k not in first}


class _ExportDumper(yaml.SafeDumper):
    """Block style for multi-line text so exported banks read like hand-written ones."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExportDumper.add_representer(str, _represent_str)


def dump_bank(data: dict[str, Any]) -> str:
    """Write bank data (as from :func:`bank_to_data`) as YAML that :func:`parse_bank` reads back."""
    return yaml.dump(data, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True, width=100)


def export_yaml(data: dict[str, Any]) -> str:
    """Stored bank data → clean YAML: validated again and written without fields at their defaults."""
    bank = Bank.model_validate(data)
    return dump_bank(bank_to_data(bank))
