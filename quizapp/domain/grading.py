"""Grading: a learner's form submission → a response → a grade, for each of the eight quiz types.

Pure: no Flask, no database. :func:`parse_response` reads what a plain HTML form posts (a mapping of
field name to list of values, as ``MultiDict.to_dict(flat=False)`` gives; a ``MultiDict`` itself or
single string values work too) and raises :class:`ResponseError` with a learner-facing message when
the submission is malformed. :func:`grade` scores a response; :func:`response_form` turns a response
back into form values (to refill a form when an attempt is resumed).

Form fields, by question type (fields for other types, a CSRF token and buttons are ignored):

- ``single``, ``multiple``: ``choice`` — radio buttons or checkboxes whose values are choice ids.
- ``true_false``: ``choice`` — ``true`` or ``false``.
- ``short_answer``, ``numeric``: ``answer`` — one text or number input.
- ``cloze``: ``gap-1``, ``gap-2``, … — one text input per gap, numbered by occurrence in the prompt
  (1-based), so a prompt using ``{{c1::…}}`` twice has two inputs.
- ``matching``: ``match-<i>`` — one select per left item, ``i`` = 1-based position of the pair in the
  bank; option values are 1-based indices into :func:`matching_options` (every right-hand text and
  distractor, sorted alphabetically), ``""`` for no choice.
- ``ordering``: ``position-<i>`` — one select per item, ``i`` = 1-based index into
  :func:`ordering_items` (the items sorted alphabetically, so the field names reveal nothing of the
  answer); option values are positions ``1``…``n``, ``""`` for none.

A checkbox or radio group with nothing chosen sends no field at all, and a select or input left blank
sends ``""``: both are an empty answer, which is valid and scores 0. A missing text input or select is
a malformed submission.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, TypeVar

from .banks import (
    CLOZE_RE,
    ClozeQuestion,
    Flashcard,
    MatchingQuestion,
    MultipleQuestion,
    NumericQuestion,
    OrderingQuestion,
    ShortAnswerQuestion,
    SingleQuestion,
    TrueFalseQuestion,
    cloze_gaps,
)
from .refusals import Refused

MAX_TEXT = 500
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "pct"})
_RELOAD = "Please reload the page and answer again."
_INDEX_RE = re.compile(r"[1-9][0-9]{0,3}", re.ASCII)
_NUMBER_RE = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?(?:(?P<sep>[.,])(?P<frac>[0-9]+))?"
    r"(?:[eE](?P<exp>[+-]?[0-9]{1,3}))?",
    re.ASCII,
)
_EXACT = Context(prec=2000)  # enough digits that sums of any two floats are exact

QuizQuestion = (
    SingleQuestion
    | MultipleQuestion
    | TrueFalseQuestion
    | ShortAnswerQuestion
    | NumericQuestion
    | ClozeQuestion
    | MatchingQuestion
    | OrderingQuestion
)
Form = Mapping[str, Any]
T = TypeVar("T")


class ResponseError(Refused, ValueError):
    """A malformed submission; ``message`` is fit to show the learner."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- responses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SingleResponse:
    """The id of the picked choice, or ``None``."""

    choice: str | None = None


@dataclass(frozen=True)
class MultipleResponse:
    """The ids of the picked choices, in the question's order."""

    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrueFalseResponse:
    """``True``, ``False`` or ``None`` (no answer)."""

    answer: bool | None = None


@dataclass(frozen=True)
class ShortAnswerResponse:
    """The answer as typed, without surrounding whitespace; ``""`` for none."""

    text: str = ""


@dataclass(frozen=True)
class NumericResponse:
    """The number as typed, without the unit and surrounding whitespace; ``""`` for none."""

    text: str = ""

    @property
    def value(self) -> Decimal | None:
        """The number, exactly as a decimal."""
        return _number(self.text) if self.text else None


@dataclass(frozen=True)
class ClozeResponse:
    """One text per gap, in the order the gaps appear in the prompt (``""`` for a blank gap)."""

    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchingResponse:
    """For each pair in bank order, the right-hand text the learner chose, or ``None`` for none."""

    matches: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class OrderingResponse:
    """The items in the learner's order; empty for no answer."""

    order: tuple[str, ...] = ()


Response = (
    SingleResponse
    | MultipleResponse
    | TrueFalseResponse
    | ShortAnswerResponse
    | NumericResponse
    | ClozeResponse
    | MatchingResponse
    | OrderingResponse
)


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


def _grade(
    question: QuizQuestion,
    fraction: Fraction,
    choices: Iterable[ChoiceMark] = (),
    parts: Iterable[PartMark] = (),
    feedback: Iterable[str] = (),
) -> Grade:
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


def _ratio(good: int, total: int) -> Fraction:
    return Fraction(good, total) if total > 0 else Fraction(0)


# --- helpers shared by parsing and grading ---------------------------------------------------------


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


def matching_options(question: MatchingQuestion) -> tuple[str, ...]:
    """The right-hand options a matching form lists: every right side and distractor, sorted."""
    texts = dict.fromkeys([p.right for p in question.pairs] + list(question.distractors))
    return tuple(sorted(texts, key=_sort_key))


def ordering_items(question: OrderingQuestion) -> tuple[str, ...]:
    """The items of an ordering question sorted alphabetically: what ``position-<i>`` numbers."""
    return tuple(sorted(question.items, key=_sort_key))


def _sort_key(text: str) -> tuple[str, str]:
    return normalise(text), text


def shuffled(items: Sequence[T], seed: int, salt: str = "") -> list[T]:
    """A copy of ``items`` in an order fixed by ``seed`` (and ``salt``, e.g. a question id)."""
    # A seeded generator on purpose: the same attempt must always show the same order; nothing secret.
    rng = random.Random(f"{seed}:{salt}" if salt else seed)  # noqa: S311  # nosec B311
    result = list(items)
    rng.shuffle(result)
    return result


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def correct_answer_text(question: QuizQuestion | Flashcard) -> str:
    """The correct answer in plain text, for results pages and flashcard backs."""
    match question:
        case SingleQuestion() | MultipleQuestion():
            return "; ".join(c.text for c in question.choices if c.correct)
        case TrueFalseQuestion():
            return "True" if question.answer else "False"
        case ShortAnswerQuestion():
            first, *others = question.answers
            return f"{first} (also accepted: {', '.join(others)})" if others else first
        case NumericQuestion():
            text = _format_number(question.answer)
            if question.unit:
                text += question.unit if question.unit == "%" else f" {question.unit}"
            if question.tolerance:
                text += f" (± {_format_number(question.tolerance)})"
            return text
        case ClozeQuestion():
            answers = iter(answers[0] for _, answers, _ in cloze_gaps(question.prompt))
            return CLOZE_RE.sub(lambda _: next(answers), question.prompt)
        case MatchingQuestion():
            return "; ".join(f"{p.left} → {p.right}" for p in question.pairs)
        case OrderingQuestion():
            return "; ".join(f"{k}. {item}" for k, item in enumerate(question.items, 1))
        case Flashcard():
            return question.back
    raise TypeError(f"not a quiz question: {type(question).__name__}")


# --- parsing form submissions ----------------------------------------------------------------------


def _values(form: Form, name: str) -> list[str] | None:
    """All values sent for ``name``, or ``None`` when the field was not sent at all."""
    getlist = getattr(form, "getlist", None)  # a werkzeug MultiDict: .get() would give the first value only
    values = form.get(name) if getlist is None else (getlist(name) if name in form else None)
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ResponseError(f"The form was not sent properly. {_RELOAD}")
    return list(values)


def _one(form: Form, name: str, what: str) -> str | None:
    values = _values(form, name)
    if not values:
        return None
    if len(values) != 1:
        raise ResponseError(f"{what} was sent more than once. {_RELOAD}")
    return values[0]


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ResponseError(f"Your answer is too long: at most {MAX_TEXT} characters, please.")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r":
            raise ResponseError("Your answer contains control characters; please type it again.")
    return value.strip()


def _required_text(form: Form, name: str, what: str) -> str:
    value = _one(form, name, what)
    if value is None:
        raise ResponseError(f"{what} is missing from the form. {_RELOAD}")
    return _text(value)


def _indexed(form: Form, prefix: str, count: int, what: str) -> dict[int, str]:
    """The values of ``<prefix><i>`` fields, by 1-based ``i``; all ``count`` of them must be sent."""
    found: dict[int, str] = {}
    for name in list(form.keys()):
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        suffix = name[len(prefix) :]
        if not _INDEX_RE.fullmatch(suffix) or int(suffix) > count:
            raise ResponseError(f"This question has no such {what}. {_RELOAD}")
        value = _one(form, name, f"The answer for {what} {suffix}")
        if value is not None:
            found[int(suffix)] = value
    missing = [i for i in range(1, count + 1) if i not in found]
    if missing:
        raise ResponseError(f"The answer for {what} {missing[0]} is missing from the form. {_RELOAD}")
    return found


def _picked_ids(form: Form) -> list[str]:
    values = _values(form, "choice") or []
    return [v for v in values if v != ""]


def parse_single(question: SingleQuestion, form: Form) -> SingleResponse:
    """``choice``: at most one choice id."""
    picked = _picked_ids(form)
    if len(picked) > 1:
        raise ResponseError("Choose only one answer.")
    if picked and picked[0] not in {c.id for c in question.choices}:
        raise ResponseError(f"That choice is not one of this question's options. {_RELOAD}")
    return SingleResponse(picked[0] if picked else None)


def parse_multiple(question: MultipleQuestion, form: Form) -> MultipleResponse:
    """``choice``: any number of distinct choice ids."""
    picked = _picked_ids(form)
    known = {c.id for c in question.choices}
    if any(p not in known for p in picked):
        raise ResponseError(f"That choice is not one of this question's options. {_RELOAD}")
    if len(set(picked)) != len(picked):
        raise ResponseError(f"The same choice was sent twice. {_RELOAD}")
    return MultipleResponse(tuple(c.id for c in question.choices if c.id in picked))


def parse_true_false(question: TrueFalseQuestion, form: Form) -> TrueFalseResponse:
    """``choice``: ``true`` or ``false``."""
    picked = _picked_ids(form)
    if len(picked) > 1:
        raise ResponseError("Choose either true or false, not both.")
    if picked and picked[0] not in ("true", "false"):
        raise ResponseError(f"Answer true or false. {_RELOAD}")
    return TrueFalseResponse(picked[0] == "true" if picked else None)


def parse_short_answer(question: ShortAnswerQuestion, form: Form) -> ShortAnswerResponse:
    """``answer``: one line of text."""
    return ShortAnswerResponse(_required_text(form, "answer", "The answer box"))


def parse_numeric(question: NumericQuestion, form: Form) -> NumericResponse:
    """``answer``: a number, optionally followed by the question's unit."""
    text = _required_text(form, "answer", "The answer box")
    if not text:
        return NumericResponse("")
    number = _strip_unit(unicodedata.normalize("NFKC", text).replace("\u2212", "-"), question.unit)
    _number(number, question.unit)
    return NumericResponse(number)


def _strip_unit(text: str, unit: str | None) -> str:
    """Drop a trailing unit equal to the question's (any case; ``%`` and ``percent`` stand for each other)."""
    if not unit or not unit.strip():
        return text
    units = {unicodedata.normalize("NFKC", unit).strip()}
    if normalise(unit) in PERCENT_UNITS:
        units |= PERCENT_UNITS
    alternatives = "|".join(r"\s+".join(map(re.escape, u.split())) for u in sorted(units, key=len, reverse=True))
    found = re.fullmatch(rf"(.*?)\s*(?:{alternatives})", text, re.IGNORECASE | re.DOTALL)
    return found[1] if found and found[1] else text


def _number(text: str, unit: str | None = None) -> Decimal:
    """Read a number written with a point or a comma as decimal separator.

    Spaces may group digits by three (``1 480``); commas and points may not, because they are read as
    the decimal separator. ``1,480`` (a comma followed by exactly three digits after one to three
    digits) is refused as ambiguous rather than read as 1.48.
    """
    found = _NUMBER_RE.fullmatch(text)
    if found is None or not (found["int"] or found["frac"]):
        if ("," in text and "." in text) or text.count(",") + text.count(".") > 1:
            raise ResponseError(
                "Write the number without thousands separators, using either a point or a comma as the decimal"
                " separator (1480.5 or 1480,5; a space between groups of three digits is fine)."
            )
        hint = f" (the unit, {unit}, is optional)" if unit else ""
        raise ResponseError(f"Enter a number, such as 2.5 or 2,5{hint}.")
    sign, whole, frac = found["sign"], (found["int"] or "0").replace(" ", ""), found["frac"] or ""
    grouped = 1 <= len(found["int"] or "") <= 3 and whole[0] != "0" and len(frac) == 3  # 1,480 or 12,500
    if grouped and found["sep"] == "," and not found["exp"]:
        raise ResponseError(
            f"{text} could mean {sign}{whole}{frac} or {sign}{whole}.{frac}: write {sign}{whole}{frac} without"
            f" a comma, or {sign}{whole}.{frac} with a point."
        )
    return Decimal(f"{sign}{whole}.{frac or '0'}e{found['exp'] or '0'}")


def parse_cloze(question: ClozeQuestion, form: Form) -> ClozeResponse:
    """``gap-1``, ``gap-2``…: one text per gap occurrence."""
    count = len(cloze_gaps(question.prompt))
    found = _indexed(form, "gap-", count, "gap")
    return ClozeResponse(tuple(_text(found[i]) for i in range(1, count + 1)))


def parse_matching(question: MatchingQuestion, form: Form) -> MatchingResponse:
    """``match-<i>``: for each left item, a 1-based index into :func:`matching_options` or ``""``."""
    options = matching_options(question)
    found = _indexed(form, "match-", len(question.pairs), "item")
    matches: list[str | None] = []
    for i, pair in enumerate(question.pairs, 1):
        value = found[i]
        if value == "":
            matches.append(None)
        elif _INDEX_RE.fullmatch(value) and int(value) <= len(options):
            matches.append(options[int(value) - 1])
        else:
            raise ResponseError(f"That answer is not one of the options for “{pair.left}”. {_RELOAD}")
    return MatchingResponse(tuple(matches))


def parse_ordering(question: OrderingQuestion, form: Form) -> OrderingResponse:
    """``position-<i>``: for each item of :func:`ordering_items`, its 1-based position or ``""``."""
    items = ordering_items(question)
    n = len(items)
    found = _indexed(form, "position-", n, "item")
    if all(found[i] == "" for i in found):
        return OrderingResponse(())
    positions: dict[int, str] = {}
    for i in range(1, n + 1):
        value = found[i]
        if not (_INDEX_RE.fullmatch(value) and int(value) <= n):
            raise ResponseError(f"Give every item a position from 1 to {n}.")
        if int(value) in positions:
            raise ResponseError(f"Give each item a different position: position {value} was given twice.")
        positions[int(value)] = items[i - 1]
    return OrderingResponse(tuple(positions[p] for p in range(1, n + 1)))


_PARSERS: dict[str, Any] = {
    "single": parse_single,
    "multiple": parse_multiple,
    "true_false": parse_true_false,
    "short_answer": parse_short_answer,
    "numeric": parse_numeric,
    "cloze": parse_cloze,
    "matching": parse_matching,
    "ordering": parse_ordering,
}


def parse_response(question: QuizQuestion, form: Form) -> Response:
    """Read a learner's answer to ``question`` from submitted form fields.

    Raises:
        ResponseError: the submission is malformed (its ``message`` says how, in plain English).
        TypeError: ``question`` is not a quiz question (a flashcard).
    """
    parser = _PARSERS.get(getattr(question, "type", ""))
    if parser is None:
        raise TypeError(f"not a quiz question: {type(question).__name__}")
    return parser(question, form)


def response_form(question: QuizQuestion, response: Response) -> dict[str, list[str]]:
    """The form fields that :func:`parse_response` reads back as ``response`` (to refill a form)."""
    match response:
        case SingleResponse(choice=choice):
            return {"choice": [choice]} if choice else {}
        case MultipleResponse(choices=choices):
            return {"choice": list(choices)} if choices else {}
        case TrueFalseResponse(answer=answer):
            return {} if answer is None else {"choice": ["true" if answer else "false"]}
        case ShortAnswerResponse(text=text) | NumericResponse(text=text):
            return {"answer": [text]}
        case ClozeResponse(gaps=gaps) if isinstance(question, ClozeQuestion):
            count = len(cloze_gaps(question.prompt))
            return {f"gap-{k}": [gaps[k - 1] if k <= len(gaps) else ""] for k in range(1, count + 1)}
        case MatchingResponse(matches=matches) if isinstance(question, MatchingQuestion):
            options = matching_options(question)
            fields = {}
            for i in range(1, len(question.pairs) + 1):
                chosen = matches[i - 1] if i <= len(matches) else None
                fields[f"match-{i}"] = [str(options.index(chosen) + 1) if chosen in options else ""]
            return fields
        case OrderingResponse(order=order) if isinstance(question, OrderingQuestion):
            items = ordering_items(question)
            return {
                f"position-{i}": [str(order.index(item) + 1) if item in order else ""]
                for i, item in enumerate(items, 1)
            }
    raise TypeError(f"no form for a {type(response).__name__} to a {type(question).__name__}")


# --- grading ---------------------------------------------------------------------------------------


def grade_single(question: SingleQuestion, response: SingleResponse) -> Grade:
    """All or nothing: full marks for the correct choice."""
    marks = _choice_marks(question, {response.choice} if response.choice else set())
    return _grade(question, Fraction(all(m.right for m in marks)), marks, (), _picked_feedback(marks))


def grade_multiple(question: MultipleQuestion, response: MultipleResponse) -> Grade:
    """(right picks - wrong picks) / correct choices, floored at 0; or all or nothing if so scored."""
    marks = _choice_marks(question, set(response.choices))
    right = sum(m.picked and m.correct for m in marks)
    wrong = sum(m.picked and not m.correct for m in marks)
    if question.scoring == "all_or_nothing":
        fraction = Fraction(all(m.right for m in marks))
    else:
        fraction = max(Fraction(0), _ratio(right - wrong, sum(m.correct for m in marks)))
    return _grade(question, fraction, marks, (), _picked_feedback(marks))


def grade_true_false(question: TrueFalseQuestion, response: TrueFalseResponse) -> Grade:
    """All or nothing."""
    marks = tuple(
        ChoiceMark(
            id=str(value).lower(),
            text=str(value),
            picked=response.answer is value,
            correct=question.answer is value,
            feedback=question.feedback.true if value else question.feedback.false,
        )
        for value in (True, False)
    )
    return _grade(question, Fraction(response.answer is question.answer), marks, (), _picked_feedback(marks))


def _choice_marks(question: SingleQuestion | MultipleQuestion, picked: set[str]) -> tuple[ChoiceMark, ...]:
    return tuple(ChoiceMark(c.id, c.text, c.id in picked, c.correct, c.feedback) for c in question.choices)


def _picked_feedback(marks: Iterable[ChoiceMark]) -> list[str]:
    return [m.feedback for m in marks if m.picked and m.feedback]


def _accepted(given: str, answers: Iterable[str], strict: bool) -> bool:
    if not given.strip():
        return False
    wanted = normalise(given, strict)
    return any(normalise(a, strict) == wanted for a in answers)


def grade_short_answer(question: ShortAnswerQuestion, response: ShortAnswerResponse) -> Grade:
    """All or nothing: the answer must equal an accepted one after :func:`normalise`."""
    ok = _accepted(response.text, question.answers, question.strict)
    part = PartMark("Answer", response.text, question.answers[0], ok)
    return _grade(question, Fraction(ok), (), (part,))


def grade_numeric(question: NumericQuestion, response: NumericResponse) -> Grade:
    """All or nothing: correct when answer - tolerance <= value <= answer + tolerance.

    The comparison is exact, in decimal, with the answer and tolerance as written in the bank, so the
    edges of the range are accepted and anything beyond them, however close, is not.
    """
    try:
        value = response.value
    except ResponseError:
        value = None
    ok = False
    if value is not None:
        answer, tolerance = Decimal(repr(question.answer)), abs(Decimal(repr(question.tolerance)))
        ok = _EXACT.subtract(answer, tolerance) <= value <= _EXACT.add(answer, tolerance)
    part = PartMark("Answer", response.text, correct_answer_text(question), ok)
    return _grade(question, Fraction(ok), (), (part,))


def grade_cloze(question: ClozeQuestion, response: ClozeResponse) -> Grade:
    """Partial credit: the share of gaps answered with one of their alternatives."""
    parts = []
    for k, (_, answers, _hint) in enumerate(cloze_gaps(question.prompt), 1):
        given = response.gaps[k - 1] if k <= len(response.gaps) else ""
        parts.append(PartMark(f"Gap {k}", given, answers[0], _accepted(given, answers, question.strict)))
    return _grade(question, _ratio(sum(p.correct for p in parts), len(parts)), (), parts)


def grade_matching(question: MatchingQuestion, response: MatchingResponse) -> Grade:
    """Partial credit: the share of left items matched to their right-hand side.

    A right-hand option may be chosen for several items; at most one of them can be right.
    """
    parts = []
    for i, pair in enumerate(question.pairs):
        given = response.matches[i] if i < len(response.matches) else None
        parts.append(PartMark(pair.left, given or "", pair.right, given == pair.right))
    return _grade(question, _ratio(sum(p.correct for p in parts), len(parts)), (), parts)


def grade_ordering(question: OrderingQuestion, response: OrderingResponse) -> Grade:
    """Partial credit by pairs in the right relative order (Kendall-tau style).

    Of the n(n-1)/2 pairs of items, the share the learner put in the same relative order as the key.
    Full marks only for the exact order; the exact reverse scores 0; swapping two neighbours of n items
    loses one pair in n(n-1)/2. The per-position parts are for display and do not change the score.
    """
    key = {item: k for k, item in enumerate(question.items)}
    ranks = [key[item] for item in response.order if item in key]
    n = len(question.items)
    if len(ranks) != n or len(set(ranks)) != n:
        fraction = Fraction(0)  # empty, or not a permutation of this question's items
    elif n < 2:
        fraction = Fraction(1)
    else:
        concordant = sum(ranks[a] < ranks[b] for a in range(n) for b in range(a + 1, n))
        fraction = Fraction(concordant, n * (n - 1) // 2)
    parts = []
    for k, item in enumerate(question.items):
        given = response.order[k] if k < len(response.order) else ""
        parts.append(PartMark(f"Position {k + 1}", given, item, given == item))
    return _grade(question, fraction, (), parts)


_GRADERS: dict[str, tuple[Any, type]] = {
    "single": (grade_single, SingleResponse),
    "multiple": (grade_multiple, MultipleResponse),
    "true_false": (grade_true_false, TrueFalseResponse),
    "short_answer": (grade_short_answer, ShortAnswerResponse),
    "numeric": (grade_numeric, NumericResponse),
    "cloze": (grade_cloze, ClozeResponse),
    "matching": (grade_matching, MatchingResponse),
    "ordering": (grade_ordering, OrderingResponse),
}


def grade(question: QuizQuestion, response: Response) -> Grade:
    """Grade ``response`` to ``question`` with the rule of the question's type.

    Raises:
        TypeError: ``question`` is not a quiz question, or ``response`` is for another type.
    """
    grader, kind = _GRADERS.get(getattr(question, "type", ""), (None, None))
    if grader is None or kind is None:
        raise TypeError(f"not a quiz question: {type(question).__name__}")
    if not isinstance(response, kind):
        raise TypeError(f"a {question.type} question needs a {kind.__name__}, not {type(response).__name__}")
    return grader(question, response)
