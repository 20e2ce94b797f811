"""What every question type shares: the :class:`QuestionType` base class, responses, grades, and the
helpers that read form fields and compare typed answers.

Pure: no Flask, no database. A type module (``single.py``, ``cloze.py``…) subclasses
:class:`QuestionType` once and exposes the instance as ``TYPE``; the registry in
:mod:`quizapp.domain.types` collects them.
"""

from __future__ import annotations

import dataclasses
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Protocol, TypeVar

from ..fields import Choice, QuestionBase
from ..interchange import (
    AikenQuestion,
    GiftChoice,
    GiftChoices,
    GiftQuestion,
    Mapped,
    MoodleAnswer,
    MoodleQuestion,
    NotMapped,
)
from ..refusals import Refused

MAX_TEXT = 500
RELOAD = "Please reload the page and answer again."
INDEX_RE = re.compile(r"[1-9][0-9]{0,3}", re.ASCII)
WHOLE = 0  # the gap number of a card that is the whole question
BLANK = "\ue002"  # stands for a gap in a prompt as lists show it (:meth:`QuestionType.listing_prompt`)

Form = Mapping[str, Any]
Problems = Iterator[tuple[tuple[Any, ...], str]]  # (path within the question, message) for the author
T = TypeVar("T")


class ResponseError(Refused, ValueError):
    """A malformed submission; ``message`` is fit to show the learner."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Response:
    """A learner's answer to one question. Each type has its own; the fields are stored as JSON as they are."""


# --- grades ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceMark:
    """One choice of a single, multiple or true/false question, as the results page shows it."""

    id: str
    text: str
    picked: bool
    correct: bool  # whether this choice is one of the right answers
    feedback: str | None = None

    @property
    def right(self) -> bool:
        """Whether the learner handled this choice right (picked a correct one or left a wrong one)."""
        return self.picked == self.correct


@dataclass(frozen=True)
class PartMark:
    """One graded part: the answer box, a gap, a pair or a position."""

    label: str
    given: str  # the learner's answer for this part; "" for none
    expected: str
    correct: bool


@dataclass(frozen=True)
class Grade:
    """The result of grading one response."""

    score: float  # points earned, 0..max_score
    max_score: float
    fraction: float  # 0..1
    correct: bool  # full marks
    choices: tuple[ChoiceMark, ...] = ()
    parts: tuple[PartMark, ...] = ()
    feedback: tuple[str, ...] = ()  # the per-choice feedback that applies to the learner's picks


def make_grade(
    question: QuestionBase,
    fraction: Fraction,
    choices: Iterable[ChoiceMark] = (),
    parts: Iterable[PartMark] = (),
    feedback: Iterable[str] = (),
) -> Grade:
    """The grade worth ``fraction`` (clamped to 0..1) of the question's points."""
    fraction = min(max(fraction, Fraction(0)), Fraction(1))
    return Grade(
        score=float(fraction) * question.points,
        max_score=question.points,
        fraction=float(fraction),
        correct=fraction == 1,
        choices=tuple(choices),
        parts=tuple(parts),
        feedback=tuple(feedback),
    )


def ratio(good: int, total: int) -> Fraction:
    """``good / total``, or 0 when there is nothing to count."""
    return Fraction(good, total) if total > 0 else Fraction(0)


# --- comparing and ordering ------------------------------------------------------------------------


def normalise(text: str, strict: bool = False) -> str:
    """The form in which typed answers are compared.

    Lenient (the default): Unicode NFKC, case-folded, accents stripped (NFD, combining marks dropped),
    trimmed, inner whitespace collapsed to one space. Strict: canonical Unicode form (NFC, which changes
    nothing visible) and surrounding whitespace trimmed; case, accents and inner spacing count.
    """
    if strict:
        return unicodedata.normalize("NFC", text).strip()
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    bare = unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c)))
    return " ".join(bare.split())


def accepted(given: str, answers: Iterable[str], strict: bool) -> bool:
    """Whether a typed answer equals one of ``answers`` after :func:`normalise`."""
    if not given.strip():
        return False
    wanted = normalise(given, strict)
    return any(normalise(a, strict) == wanted for a in answers)


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as a learner expects it (case and accents aside), ties broken by the text."""
    return normalise(text), text


def shuffled(items: Sequence[T], seed: int, salt: str = "") -> list[T]:
    """A copy of ``items`` in an order fixed by ``seed`` (and ``salt``, e.g. a question id)."""
    # A seeded generator on purpose: the same attempt must always show the same order; nothing secret.
    rng = random.Random(f"{seed}:{salt}" if salt else seed)  # noqa: S311  # nosec B311
    result = list(items)
    rng.shuffle(result)
    return result


# --- reading form fields ---------------------------------------------------------------------------


def values(form: Form, name: str) -> list[str] | None:
    """All values sent for ``name``, or ``None`` when the field was not sent at all."""
    getlist = getattr(form, "getlist", None)  # a werkzeug MultiDict: .get() would give the first value only
    found = form.get(name) if getlist is None else (getlist(name) if name in form else None)
    if found is None:
        return None
    if isinstance(found, str):
        found = [found]
    if not isinstance(found, list | tuple) or not all(isinstance(v, str) for v in found):
        raise ResponseError(f"The form was not sent properly. {RELOAD}")
    return list(found)


def one(form: Form, name: str, what: str) -> str | None:
    """The one value sent for ``name`` (``None`` if none); ``what`` names the field in the error."""
    found = values(form, name)
    if not found:
        return None
    if len(found) != 1:
        raise ResponseError(f"{what} was sent more than once. {RELOAD}")
    return found[0]


def typed_text(value: str) -> str:
    """A typed answer, checked for length and control characters, without surrounding whitespace."""
    if len(value) > MAX_TEXT:
        raise ResponseError(f"Your answer is too long: at most {MAX_TEXT} characters, please.")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r":
            raise ResponseError("Your answer contains control characters; please type it again.")
    return value.strip()


def required_text(form: Form, name: str, what: str) -> str:
    """The typed text of an input that a form always sends."""
    value = one(form, name, what)
    if value is None:
        raise ResponseError(f"{what} is missing from the form. {RELOAD}")
    return typed_text(value)


def indexed(form: Form, prefix: str, count: int, what: str) -> dict[int, str]:
    """The values of ``<prefix><i>`` fields, by 1-based ``i``; all ``count`` of them must be sent."""
    found: dict[int, str] = {}
    for name in list(form.keys()):
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        suffix = name[len(prefix) :]
        if not INDEX_RE.fullmatch(suffix) or int(suffix) > count:
            raise ResponseError(f"This question has no such {what}. {RELOAD}")
        value = one(form, name, f"The answer for {what} {suffix}")
        if value is not None:
            found[int(suffix)] = value
    missing = [i for i in range(1, count + 1) if i not in found]
    if missing:
        raise ResponseError(f"The answer for {what} {missing[0]} is missing from the form. {RELOAD}")
    return found


def picked_ids(form: Form) -> list[str]:
    """The non-empty values of the ``choice`` radio buttons or checkboxes."""
    return [v for v in values(form, "choice") or [] if v != ""]


# --- choices (single and multiple choice) ----------------------------------------------------------


def choice_problems(choices: Sequence[Choice], wrong_count: str | None) -> Problems:
    """Duplicate ids or texts among a question's choices; ``wrong_count`` says what is wrong with the
    number of correct ones, if anything."""
    seen: set[str] = set()
    for k, choice in enumerate(choices):
        if choice.id in seen:
            yield ("choices", k, "id"), f"duplicate choice id {choice.id!r} in this question"
        seen.add(choice.id)
    if wrong_count:
        yield ("choices",), wrong_count
    for text, n in Counter(c.text.strip().casefold() for c in choices).items():
        if n > 1:
            yield ("choices",), f"two choices have the same text {text!r}"


def choice_marks(choices: Sequence[Choice], picked: set[str]) -> tuple[ChoiceMark, ...]:
    """Each choice marked as picked or not, right or not."""
    return tuple(ChoiceMark(c.id, c.text, c.id in picked, c.correct, c.feedback) for c in choices)


def picked_feedback(marks: Iterable[ChoiceMark]) -> list[str]:
    """The feedback of the choices the learner picked."""
    return [m.feedback for m in marks if m.picked and m.feedback]


class _HasChoices(Protocol):
    id: str
    choices: list[Choice]
    shuffle: bool


def shown_choices(question: _HasChoices, seed: int) -> tuple[str, ...]:
    """Choice ids in the order an attempt shows them: shuffled by the seed unless the bank says not to."""
    ids = [c.id for c in question.choices]
    return tuple(shuffled(ids, seed, question.id) if question.shuffle else ids)


def shown_texts(question: _HasChoices, seed: int) -> tuple[tuple[str, str], ...]:
    """``(id, text)`` of each choice in the order shown."""
    by_id = {c.id: c.text for c in question.choices}
    return tuple((i, by_id[i]) for i in shown_choices(question, seed))


def listed(prompt: str, lines: Iterable[str]) -> str:
    """A card front: the prompt followed by a Markdown list."""
    return prompt + "\n\n" + "\n".join(f"- {line}" for line in lines)


# --- the type --------------------------------------------------------------------------------------


class QuestionType:
    """Everything about one question type, the only place that knows it.

    A subclass sets the class attributes and overrides what differs from the defaults below; a type
    without a ``response`` (a flashcard) is never in a quiz. Its template,
    ``templates/types/<name>.html``, holds the macros the pages call (see ``docs/question-types.md``).
    """

    name: ClassVar[str]  # the ``type`` of the bank format
    label: ClassVar[str]  # what pages call it: "single choice", "true or false"…
    order: ClassVar[int]  # its place in lists of types (the bank format's documentation order)
    model: ClassVar[type[QuestionBase]]  # its part of the bank format
    response: ClassVar[type[Response] | None] = None  # what a learner's answer is; None: not a quiz type

    @property
    def quiz(self) -> bool:
        """Whether questions of this type can be in a quiz (all but flashcards)."""
        return self.response is not None

    def __repr__(self) -> str:
        return f"<question type {self.name}>"

    # --- the bank format ---

    def problems(self, question: Any) -> Problems:
        """What the model cannot check alone, e.g. exactly one correct choice."""
        return iter(())

    # --- answering and grading (quiz types only) ---

    def parse(self, question: Any, form: Form) -> Response:
        """Read a learner's answer from the form fields this type's template sends."""
        raise TypeError(f"not a quiz question: {type(question).__name__}")

    def grade(self, question: Any, response: Any) -> Grade:
        """Score ``response`` by this type's rule."""
        raise TypeError(f"not a quiz question: {type(question).__name__}")

    def response_form(self, question: Any, response: Any) -> dict[str, list[str]]:
        """The form fields that :meth:`parse` reads back as ``response``."""
        raise TypeError(f"not a quiz question: {type(question).__name__}")

    def blank(self) -> Response:
        """The response that answers nothing."""
        if self.response is None:
            raise TypeError(f"a {self.name} is not a quiz question")
        return self.response()

    def response_from_data(self, question: Any, data: Mapping[str, Any]) -> Response:
        """The response stored as ``data`` (its fields as JSON: lists back to tuples, unknown keys ignored)."""
        if self.response is None:
            raise TypeError(f"a {self.name} is not a quiz question")
        names = {f.name for f in dataclasses.fields(self.response)}
        return self.response(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})

    def correct_answer(self, question: Any) -> str:
        """The correct answer in plain text, for results pages and card backs."""
        raise NotImplementedError

    # --- what the question page shows, in an attempt's order ---

    def choice_order(self, question: Any, seed: int) -> tuple[str, ...]:
        """The ids of the choices in the order this attempt shows them (empty if there are none)."""
        return ()

    def choices(self, question: Any, seed: int) -> tuple[tuple[str, str], ...]:
        """``(value, text)`` of each choice, in the order shown."""
        return ()

    def item_order(self, question: Any, seed: int) -> tuple[int, ...]:
        """The field indices of the items to place, in the order this attempt shows them (empty if none)."""
        return ()

    def items(self, question: Any, seed: int) -> tuple[tuple[int, str], ...]:
        """``(field index, text)`` of each item to place, in the order shown."""
        return ()

    def options(self, question: Any) -> tuple[str, ...]:
        """The options each select lists, numbered from 1 in this order."""
        return ()

    # --- lists and search: what anyone may see without answering ---

    def listing_prompt(self, data: Mapping[str, Any]) -> str:
        """The prompt (Markdown) as bank pages and search results list it, from the stored ``data``: never
        an answer. A gap to fill is :data:`BLANK`."""
        return data["prompt"]

    def search_texts(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """Texts besides the prompt that a search finds the question by: only what its quiz page shows to
        everyone before answering (choices, items), never what is right."""
        return ()

    # --- item analysis (see docs/item-analysis.md) ---

    def random_guess(self, question: Any) -> float | None:
        """The mean share of the marks (0..1) that answering at random earns; ``None`` when it cannot be
        worked out (a flashcard; multiple choice, for which it depends on how many boxes are ticked)."""
        return None

    def response_options(self, question: Any) -> tuple[tuple[str, str, bool], ...]:
        """The options item analysis counts picks of: ``(id, text, whether it is right)``; empty for typed
        answers."""
        return ()

    def picks(self, question: Any, response: Any) -> tuple[str, ...]:
        """What ``response`` chose, for item analysis: ids of :meth:`response_options`, or the typed answer in
        the form it is compared in; empty when nothing was chosen or the type has nothing to count."""
        return ()

    # --- changes between versions ---

    major_fields: ClassVar[frozenset[str]] = frozenset()  # the fields that hold what is right

    def is_major(self, path: tuple[Any, ...], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """Whether a change at ``path`` in the stored data (``("answer",)``, ``("choices", "b", "text")``)
        changes what is right: the key, choices, tolerance, gaps, pairs or order. ``old`` and ``new`` are the
        question's stored data before and after. Wording, feedback, explanations, references and tags are
        minor: learners' memory of the question still holds."""
        return bool(path) and path[0] in self.major_fields

    # --- flashcards ---

    def card_gaps(self, data: Mapping[str, Any]) -> list[int]:
        """The gap numbers of the cards a question (its stored data) gives: one whole card by default."""
        return [WHOLE]

    def faces(self, question: Any, gap: int) -> tuple[str, str]:
        """Front and answer of a card, in Markdown: the prompt and the correct answer by default."""
        return question.prompt, self.correct_answer(question)

    # --- Moodle XML (quizapp.domain.formats.moodle_xml reads and writes the XML; texts are Markdown) ---

    def reads_moodle(self, source: MoodleQuestion) -> bool:
        """Whether this type is the counterpart of a Moodle question (its ``type`` and options)."""
        return False

    def from_moodle_xml(self, source: MoodleQuestion) -> Mapped:
        """This type's own fields for a Moodle question it reads, and notes on what was left out.

        Raises:
            NotMapped: the question cannot be held by this type; the message says why.
        """
        raise NotMapped(f"Moodle {source.qtype} questions have no counterpart")

    def to_moodle_xml(self, question: Any) -> MoodleQuestion:
        """The Moodle question that carries this question (all but the common fields, which the writer adds).

        Raises:
            NotMapped: Moodle has no counterpart for this type.
        """
        raise NotMapped(f"Moodle has no counterpart for a {self.label}")

    # --- other formats (see quizapp/domain/formats and docs/formats.md) ---

    def from_gift(self, question: GiftQuestion) -> Mapped | None:
        """This type's data for a GIFT question of its shape, ``None`` when the shape is another type's.

        Raises:
            NotMapped: the shape is this type's, but the question cannot be kept (the reason says why).
        """
        return None

    def to_gift(self, question: Any) -> GiftQuestion:
        """The GIFT record of a question (its id, explanation and tags are the converter's).

        Raises:
            NotMapped: GIFT cannot carry this question.
        """
        raise NotMapped(f"GIFT has no {self.label} questions")

    def from_aiken(self, question: AikenQuestion) -> Mapped | None:
        """This type's data for an Aiken question (one right option among several), or ``None``."""
        return None

    def to_aiken(self, question: Any) -> AikenQuestion:
        """The Aiken record of a question; :class:`NotMapped` when Aiken cannot carry it."""
        raise NotMapped(f"Aiken has only single-choice questions; this is a {self.label} question")

    def from_faces(self, front: str, back: str) -> Mapped | None:
        """This type's data for a card given as a front and a back (a CSV row), or ``None``."""
        return None


class ChoiceType(QuestionType):
    """What single and multiple choice share: choices shown in the attempt's order (shuffled by its seed
    unless the bank says not to), the correct ones as the answer, and a card front that lists them all."""

    def correct_answer(self, question: Any) -> str:
        return "; ".join(c.text for c in question.choices if c.correct)

    def choice_order(self, question: Any, seed: int) -> tuple[str, ...]:
        return shown_choices(question, seed)

    def choices(self, question: Any, seed: int) -> tuple[tuple[str, str], ...]:
        return shown_texts(question, seed)

    def faces(self, question: Any, gap: int) -> tuple[str, str]:
        return listed(question.prompt, (c.text for c in question.choices)), self.correct_answer(question)

    def search_texts(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(c["text"] for c in data["choices"])  # every choice is shown, right or not

    def response_options(self, question: Any) -> tuple[tuple[str, str, bool], ...]:
        return tuple((c.id, c.text, c.correct) for c in question.choices)

    def is_major(self, path: tuple[Any, ...], old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """A choice added, removed, reworded or made right or wrong is major; its feedback, and the order
        the choices are listed in (``("choices",)``), are not."""
        if path and path[0] == "choices":
            return len(path) >= 2 and path[-1] != "feedback"
        return super().is_major(path, old, new)


# --- Moodle XML helpers --------------------------------------------------------------------------------

CHOICE_IDS = "abcdefghijklmnopqrst"  # converted choices are named by letter, as Moodle numbers them


def is_true(value: str | None, default: bool = False) -> bool:
    """A Moodle yes/no option (``1``/``0``, ``true``/``false``)."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes")


def choices_from_moodle(source: MoodleQuestion, correct: Callable[[float], bool]) -> list[dict[str, Any]]:
    """Choices named a, b, c… from a question's answers; ``correct`` says which fractions are right."""
    if len(source.answers) > len(CHOICE_IDS):
        raise NotMapped(f"{len(source.answers)} answers; a question holds at most {len(CHOICE_IDS)} choices")
    choices = []
    for choice_id, answer in zip(CHOICE_IDS, source.answers, strict=False):
        choice: dict[str, Any] = {"id": choice_id, "text": answer.text}
        if correct(answer.fraction):
            choice["correct"] = True
        if answer.feedback:
            choice["feedback"] = answer.feedback
        choices.append(choice)
    return choices


def choices_to_moodle(question: _HasChoices, fraction: Callable[[Choice], float], **options: str) -> MoodleQuestion:
    """A ``multichoice`` question from a choice question; ``fraction`` gives each choice's percent."""
    answers = tuple(MoodleAnswer(c.text, fraction(c), c.feedback) for c in question.choices)
    shuffle = "true" if question.shuffle else "false"
    return MoodleQuestion(
        "multichoice",
        question.prompt,  # type: ignore[attr-defined]
        answers,
        {"shuffleanswers": shuffle, "answernumbering": "abc", **options},
    )


def gift_choices(question: Any, weights: tuple[float | None, float | None]) -> GiftQuestion:
    """A choice question as GIFT: each choice with its feedback, weighted (right, wrong) as given."""
    right, wrong = weights
    return GiftQuestion(
        question.prompt,
        GiftChoices(
            tuple(
                GiftChoice(c.text, c.correct and right is None, right if c.correct else wrong, c.feedback)
                for c in question.choices
            )
        ),
    )


def choice_data(question: GiftQuestion, correct: Iterable[bool]) -> list[dict[str, Any]]:
    """The ``choices`` of a choice question from GIFT's answers, with ids a, b, c… (GIFT has none)."""
    if not isinstance(question.block, GiftChoices):
        raise TypeError("choice_data needs a GIFT question with choices")
    return [
        {"id": choice_id(k), "text": c.text}
        | ({"correct": True} if ok else {})
        | ({"feedback": c.feedback} if c.feedback else {})
        for k, (c, ok) in enumerate(zip(question.block.choices, correct, strict=True))
    ]


def choice_id(index: int) -> str:
    """``a``…``z``, then ``aa``, ``ab``…: choice ids for formats that have none."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]
