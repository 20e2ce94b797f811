"""The question-bank format (version 1): its model, its validation and its JSON Schema.

Pure: no Flask, no database. ``parse_bank`` turns YAML text into a validated :class:`Bank` or raises
:class:`BankError` listing every problem found, each with file, line, column and field path.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError

from .attempts import AttemptMode
from .fields import (
    DOI_RE,
    INT_RE,
    PMID_RE,
    Bool,
    Date,
    Int,
    Language,
    Model,
    Slug,
    Tag,
    TagList,
    Text,
    as_list,
    kind_of,
    one_of,
)
from .freshness import parse_as_of
from .media import (
    MEDIA_PREFIX,
    ImageProblem,
    StoredImage,
    alt_problem,
    image_refs,
    markdown_image_count,
    prepare_image,
    rewrite,
    store_refs,
    text_fields,
)
from .packages import MAX_NAME, BankPackage
from .types import QUESTION_TYPES, QUIZ_TYPES, REGISTRY
from .yamlload import BankError, Plain, Problem, format_path, load, locate

__all__ = [
    "DOI_RE",
    "FORMAT_VERSION",
    "PMID_RE",
    "QUESTION_TYPES",
    "QUIZ_TYPES",
    "Bank",
    "BankError",
    "Problem",
    "Question",
    "Quiz",
    "bank_header",
    "bank_to_data",
    "dump_bank",
    "export_yaml",
    "json_schema",
    "parse_bank",
    "parse_package",
    "question_from_data",
    "question_hash",
    "question_json",
    "question_problems",
    "quiz_pool",
]

FORMAT_VERSION = 1

# One model per question type, told apart by ``type``; the types' own modules define them.
Question = Annotated[
    Union[tuple(kind.model for kind in REGISTRY.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="type"),
]


class Quiz(Model):
    id: Slug
    title: Text
    description: Text | None = None
    mode: Annotated[str, one_of(*(mode.value for mode in AttemptMode))] = AttemptMode.PRACTICE.value
    questions: list[Slug] | None = None
    tags: TagList = []
    count: Int | None = Field(default=None, gt=0)
    time_limit_minutes: Int | None = Field(default=None, gt=0, le=24 * 60)
    shuffle: Bool = True


class BankHeader(Model):
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
    quizzes: Annotated[list[Any], BeforeValidator(as_list)] = []


class Bank(Model):
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


def bank_header(bank: Bank) -> dict[str, Any]:
    """A bank's own fields as plain data: what each version stores and what versions are compared by."""
    return {
        "title": bank.title,
        "description": bank.description,
        "language": bank.language,
        "license": bank.license,
        "authors": list(bank.authors),
        "reviewed_on": bank.reviewed_on.isoformat(),
        "tags": list(bank.tags),
    }


def question_from_data(data: Any) -> Any:
    """A question from its stored data (validated again)."""
    return _QUESTION.validate_python(data)


def question_json(question: Any) -> str:
    """Canonical JSON of a question: what is stored, hashed and compared between versions."""
    return question.model_dump_json(exclude_defaults=False)


def question_hash(question: Any) -> str:
    return hashlib.sha256(question_json(question).encode()).hexdigest()


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
            yield loc, f"expected {want}, got {kind_of(err.get('input'))}", False
        else:
            yield loc, err["msg"], False


def _unknown_field(name: Any, err: dict[str, Any]) -> str:
    return f"unknown field {name!r}"


def _known_fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


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


Images = Mapping[str, StoredImage | ImageProblem]  # a package's media files, checked, by path (media/x.png)


def parse_package(package: BankPackage) -> tuple[Bank, dict[str, StoredImage]]:
    """Validate a package: its YAML and its media. Returns the bank with every image pointing at its stored
    image (see :mod:`quizapp.domain.media`) and the images to store, by the path the bank used."""
    images = prepare_media(package.media)
    bank = parse_bank(package.yaml_text, package.source_name, images)
    stored = {name: image for name, image in images.items() if isinstance(image, StoredImage)}
    return with_stored_images(bank, stored), stored


def prepare_media(media: Mapping[str, bytes]) -> dict[str, StoredImage | ImageProblem]:
    """Each media file re-encoded, or what is wrong with it."""
    images: dict[str, StoredImage | ImageProblem] = {}
    for name, data in media.items():
        try:
            images[name] = prepare_image(data)
        except ImageProblem as problem:
            images[name] = problem
    return images


def with_stored_images(bank: Bank, images: Mapping[str, StoredImage]) -> Bank:
    """``bank`` with each ``![alt](media/x.png)`` rewritten to the stored image's content-addressed form."""
    if not images:
        return bank
    questions = []
    for question in bank.questions:
        data = question.model_dump(mode="json")
        stored = rewrite(data, lambda text: store_refs(text, images) if "![" in text else text)
        questions.append(_QUESTION.validate_python(stored) if stored != data else question)
    return bank.model_copy(update={"questions": questions})


_BANG_RE = re.compile(r"!|\\(?:x21|u0021|U00000021)")
_SCHEME_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")


def _may_show_images(path: tuple[Any, ...]) -> bool:
    """Whether the text at ``path`` in a question is shown as Markdown, where a picture can be."""
    return path[-1] in ("prompt", "explanation", "front", "back") or (
        path[0] == "choices" and path[-1] in ("text", "feedback")
    )


def _image_problems(question: Any, images: Images | None, used: set[str]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """What is wrong with the images a question refers to; the files it uses are added to ``used``."""
    for path, text in text_fields(question.model_dump(mode="json")):
        if "!" not in text:
            continue
        refs = list(image_refs(text))
        if refs and not _may_show_images(path):
            yield (
                path,
                (
                    "a picture can be in a prompt, an explanation, a choice or its feedback, or a card's front or"
                    " back; this text is shown where a picture cannot be"
                ),
            )
            continue
        if markdown_image_count(text) > len(refs):
            yield (
                path,
                (
                    "an image here is written in a way that cannot be checked: write each image inline as"
                    " ![alt text](media/<file name>), with no brackets in the file name"
                ),
            )
        for ref in refs:
            if (problem := _reference_problem(ref.src, ref.alt, images, used)) is not None:
                yield path, problem


def _reference_problem(src: str, alt: str, images: Images | None, used: set[str]) -> str | None:
    """What is wrong with one ``![alt](src)``, if anything."""
    if _SCHEME_RE.match(src):
        return f"the image {src!r} is not a file of the bank; write ![alt text](media/<file name>)"
    if not src.startswith(MEDIA_PREFIX):
        return f"write the image's path as media/<file name>: {src!r} is not in media/"
    image = images.get(src) if images else None
    if image is None and not images:
        return f"{src} is not in the bank: a bank with images is a folder or .zip holding bank.yaml and media/"
    if image is None:
        hint = difflib.get_close_matches(src, list(images or ()), n=1, cutoff=0.75)
        return f"{src} is not in the bank's media/ folder" + (f"; did you mean {hint[0]}?" if hint else "")
    used.add(src)
    if isinstance(image, ImageProblem):
        return f"{src} {image.message}"
    return alt_problem(alt, src)


def _media_problems(filename: str, images: Images, used: set[str]) -> Iterator[Problem]:
    """The media files no question uses (refused: every file stored must be shown) and those that are not
    images; a file that is used and broken is reported where it is used."""
    for name, image in sorted(images.items()):
        rest = name.removeprefix(MEDIA_PREFIX)
        if rest == name or not rest or "/" in rest or len(name) > MAX_NAME:
            yield Problem(
                filename, 0, 0, name, f"a media file is named media/<file name>, at most {MAX_NAME} characters"
            )
            continue
        if name in used:
            continue
        if isinstance(image, ImageProblem):
            yield Problem(filename, 0, 0, name, image.message)
        else:
            yield Problem(filename, 0, 0, name, "is not used by any question: refer to it, or remove it from media/")


def parse_bank(source: bytes | str, filename: str = "<bank>", images: Images | None = None) -> Bank:
    """Load and validate one bank, raising :class:`BankError` with every problem found.

    ``images`` are the bank's media files (from :func:`prepare_media`); without them, a question that
    refers to an image is a problem. :func:`parse_package` reads a whole package.
    """
    data, root = load(source, filename)
    report = _Report(filename, root)
    if not isinstance(data, dict):
        report.add((), f"a bank must be a mapping of fields (format, id, title, ...), got {kind_of(data)}")
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
    used: set[str] = set()
    # Only a bank with a "!" (typed, or as a YAML escape) can have an image: only then are its texts walked.
    might_have_images = _BANG_RE.search(source if isinstance(source, str) else source.decode("utf-8", "replace"))
    raw_questions = data.get("questions")
    for i, raw in enumerate(raw_questions if isinstance(raw_questions, list) else []):
        try:
            question = _QUESTION.validate_python(raw)
        except ValidationError as exc:
            kind = raw.get("type") if isinstance(raw, dict) else None
            model = REGISTRY[kind].model if isinstance(kind, str) and kind in REGISTRY else None
            report.add_validation(("questions", i), exc, _known_fields(model) if model else None)
            continue
        questions.append((i, question))
        for path, message in _check_question(question):
            report.add(("questions", i, *path), message)
        if might_have_images:
            for path, message in _image_problems(question, images, used):
                report.add(("questions", i, *path), message)
    if images and len(questions) == len(raw_questions or ()):  # else a question not read may use a file
        report.problems.extend(_media_problems(filename, images, used))

    _check_unique_ids(report, raw_questions)
    if header is not None:
        for i, question in questions:
            if question.as_of and parse_as_of(question.as_of) > header.reviewed_on:
                report.add(
                    ("questions", i, "as_of"),
                    f"{question.as_of} is after the bank's reviewed_on ({header.reviewed_on.isoformat()}):"
                    " a statement cannot be dated after the content was checked",
                )

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
    yield from REGISTRY[q.type].problems(q)


def question_problems(data: Any) -> list[str]:
    """What is wrong with one question given as plain data (as a converter builds it), as messages naming
    the field; empty when it is valid."""
    try:
        question = _QUESTION.validate_python(data)
    except ValidationError as exc:
        found = [(loc[1:] if loc and loc[0] in REGISTRY else loc, message) for loc, message, _ in _messages(exc)]
        return [f"{format_path(loc) or 'question'}: {message}" for loc, message in found]
    return [f"{format_path(path) or 'question'}: {message}" for path, message in _check_question(question)]


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
    quiz_tags = {t for q in questions if q.type in QUIZ_TYPES for t in q.tags}
    seen: dict[str, int] = {}
    for j, quiz in quizzes:
        if quiz.id in seen:
            report.add(("quizzes", j, "id"), f"duplicate quiz id {quiz.id!r} (first used by quizzes[{seen[quiz.id]}])")
        seen.setdefault(quiz.id, j)
        pool = [q for q in questions if q.type in QUIZ_TYPES]
        if quiz.questions is not None:
            for k, qid in enumerate(quiz.questions):
                if qid not in all_ids:
                    report.add(("quizzes", j, "questions", k), f"no question has the id {qid!r}")
                elif qid in by_id and by_id[qid].type not in QUIZ_TYPES:
                    kind = REGISTRY[by_id[qid].type].label
                    report.add(("quizzes", j, "questions", k), f"{qid!r} is a {kind}; {kind}s are never in a quiz")
            pool = [by_id[qid] for qid in quiz.questions if qid in by_id and by_id[qid].type in QUIZ_TYPES]
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
    pool = [q for q in bank.questions if q.type in QUIZ_TYPES]
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


# libyaml's emitter writes the same text as PyYAML's several times faster (converting a large file is mostly
# writing its YAML); PyYAML's own is the fallback, as for the loader.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_STR_TAG, _MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _str_node(value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") and value == value.rstrip(" ") else None
    return yaml.ScalarNode(_STR_TAG, value, style=style)


class _ExportDumper(_Dumper):  # type: ignore[misc,valid-type]
    """Block style for multi-line text so exported banks read like hand-written ones.

    Text, mappings and lists (nearly every node of a bank) are turned into nodes directly, without PyYAML's
    bookkeeping for anchors: a bank never has any (the loader refuses them), and that bookkeeping was most
    of the time a converter takes to write a large bank. The text written is the same.
    """

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return _str_node(data)
        if kind is dict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP_TAG, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ_TAG, [self.represent_data(v) for v in data], flow_style=False)
        return super().represent_data(data)


_ExportDumper.add_representer(str, lambda dumper, value: _str_node(value))  # str subclasses


def dump_bank(data: dict[str, Any]) -> str:
    """Write bank data (as from :func:`bank_to_data`) as YAML that :func:`parse_bank` reads back."""
    return yaml.dump(data, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True, width=100)


def export_yaml(data: dict[str, Any]) -> str:
    """Stored bank data → clean YAML: validated again and written without fields at their defaults."""
    bank = Bank.model_validate(data)
    return dump_bank(bank_to_data(bank))
