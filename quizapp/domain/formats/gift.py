"""GIFT, Moodle's text format for questions: reading it into a bank and writing a bank as it.

The reader is one pass over the text with ``str.find`` and ``split`` (no backtracking regular expressions),
so its time is linear in the file's size whatever the file holds. Escaped characters (``\\: \\# \\= \\{ \\}
\\~ \\\\`` and ``\\n``) are first swapped for Unicode noncharacters, so the syntax characters left are
exactly the unescaped ones, then swapped back in each text. Which question type a GIFT question becomes is
each type's say (its ``from_gift``); what maps to what is in ``docs/formats.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..banks import Bank
from ..interchange import (
    GiftBlock,
    GiftChoice,
    GiftChoices,
    GiftNumber,
    GiftNumbers,
    GiftQuestion,
    GiftTrueFalse,
    NotMapped,
)
from ..types import REGISTRY
from ._core import (
    Conversion,
    Converted,
    Exported,
    Format,
    FormatError,
    Ids,
    Skipped,
    assemble,
    decode_text,
    tags_from,
)
from .htmltext import escape_markdown, html_to_markdown, html_to_text, no_images

_ESCAPES = {":": "\ufdd0", "#": "\ufdd1", "=": "\ufdd2", "{": "\ufdd3", "}": "\ufdd4", "~": "\ufdd5", "\\": "\ufdd6"}
_NEWLINE = "\ufdd7"
_ESCAPE_RE = re.compile(r"\\([:#={}~\\n])")
_UNESCAPE = str.maketrans({v: k for k, v in _ESCAPES.items()} | {_NEWLINE: "\n"})
_RESERVED_RE = re.compile("[\ufdd0-\ufdef]")
_NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?", re.ASCII)
_TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")


def _escape(match: re.Match[str]) -> str:
    char = match.group(1)
    return _NEWLINE if char == "n" else _ESCAPES[char]


@dataclass
class _Chunk:
    """One question's lines (comments left out) and the line number of each."""

    lines: list[str]
    numbers: list[int]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Source:
    """The file's name and the chunk being read, to say where a problem is."""

    def __init__(self, filename: str, chunk: _Chunk):
        self.filename = filename
        self.chunk = chunk

    def line_at(self, text: str, position: int) -> int:
        return self.chunk.numbers[min(text.count("\n", 0, position), len(self.chunk.numbers) - 1)]

    def fail(self, text: str, position: int, message: str) -> FormatError:
        return FormatError(self.filename, self.line_at(text, position), message)


def _chunks(text: str) -> Iterator[_Chunk]:
    """The questions of a file: runs of lines between blank lines, without ``//`` comment lines."""
    chunk = _Chunk([], [])
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if chunk.lines:
                yield chunk
                chunk = _Chunk([], [])
            continue
        chunk.lines.append(line)
        chunk.numbers.append(number)
    if chunk.lines:
        yield chunk


class _Texts:
    """Turns a question's texts, in its ``[format]``, into Markdown, or into plain text for what learners type.

    ``[markdown]`` is kept as it is; ``[plain]`` shows as typed; ``[html]`` is sanitised and written as
    Markdown; ``[moodle]``, Moodle's default when a question names no format, is text in which HTML tags
    work and line breaks are kept, so it is read as HTML with its line breaks.
    """

    def __init__(self, text_format: str):
        self.text_format = text_format

    def __call__(self, raw: str) -> str:
        text = raw.strip().translate(_UNESCAPE)
        if self.text_format == "markdown":
            return text
        if self.text_format == "plain":
            return escape_markdown(text)
        if "<" not in text and "&" not in text:  # no markup: what the HTML path gives, without parsing
            lines = text.split("\n") if self.text_format == "moodle" else [text]
            return "\\\n".join(escape_markdown(" ".join(line.split())) for line in lines)
        if self.text_format == "moodle":
            text = text.replace("\n", "<br>")
        return html_to_markdown(text, no_images)

    def plain(self, raw: str) -> str:
        text = raw.strip().translate(_UNESCAPE)
        if self.text_format in ("markdown", "plain") or ("<" not in text and "&" not in text):
            return text
        return html_to_text(text)

    def optional(self, raw: str | None) -> str | None:
        text = self(raw) if raw is not None else ""
        return text or None


@dataclass(frozen=True)
class _Parsed:
    name: str
    line: int
    question: GiftQuestion | None  # None: nothing to convert (``skip`` says why)
    general_feedback: str | None = None
    skip: str = ""


def _read_question(source: _Source, raw: str, line: int) -> _Parsed:
    """One question from its escaped text."""
    text = raw.strip()
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise source.fail(raw, raw.find("::"), "the question's title is not closed with :: (write \\: for a colon)")
        name = text[2:end].strip().translate(_UNESCAPE)
        text = text[end + 2 :].lstrip()
    text_format = "moodle"
    if text.startswith("["):
        close = text.find("]")
        if 0 < close <= 10 and text[1:close].lower() in _TEXT_FORMATS:
            text_format = text[1:close].lower()
            text = text[close + 1 :]
    try:
        return _read_body(source, raw, name, line, text, _Texts(text_format))
    except NotMapped as exc:  # text that cannot be a bank's (a picture in HTML): this question is skipped
        return _Parsed(name, line, None, skip=exc.reason)


def _read_body(source: _Source, raw: str, name: str, line: int, text: str, texts: _Texts) -> _Parsed:
    """The question after its title and text format: the text around its answer block, and the block."""
    opening, closing = text.find("{"), text.find("}")
    if opening < 0:
        if closing >= 0:
            raise source.fail(raw, raw.find("}"), "} without an opening { (write \\} for a brace)")
        return _Parsed(name, line, None, skip="a description without an answer block {…}, not a question")
    if 0 <= closing < opening:
        raise source.fail(raw, raw.find("}"), "} before the answer block's { (write \\} for a brace)")
    if closing < 0:
        raise source.fail(raw, raw.find("{"), "the answer block opened here is not closed with }")
    nested = text.find("{", opening + 1)
    if 0 <= nested < closing:
        raise source.fail(raw, raw.find("{", raw.find("{") + 1), "a { inside an answer block (write \\{ for a brace)")
    after = text[closing + 1 :]
    if "{" in after or "}" in after:
        position = raw.find("{", raw.find("}")) if "{" in after else raw.find("}", raw.find("}") + 1)
        raise source.fail(raw, position, "a second answer block: a question has one (write \\{ and \\} for braces)")
    block_line = source.line_at(raw, raw.find("{"))
    inner = text[opening + 1 : closing]
    general = None
    if "####" in inner:
        inner, general = inner.split("####", 1)
    before = text[:opening]
    if after.strip():  # a missing-word question: keep the spaces around the block as written
        prompt = texts(before) + (" " if before.strip() and before[-1:].isspace() else "")
        after = (" " if after[:1].isspace() else "") + texts(after)
    else:
        prompt, after = texts(before), ""
    block = _read_block(source, raw, inner, texts, block_line)
    if block is None:
        return _Parsed(name, line, None, skip="an essay question {}: nothing to grade, so nothing to convert")
    return _Parsed(name, line, GiftQuestion(prompt, block, after), texts.optional(general))


def _read_block(source: _Source, raw: str, inner: str, texts: _Texts, line: int) -> GiftBlock | None:
    body = inner.strip()
    if not body:
        return None
    if body.startswith("#"):
        return _read_numbers(source, body[1:], texts, line)
    head, *feedback = body.split("#")
    if head.strip().upper() in (*_TRUE, *_FALSE):
        if len(feedback) > 2:
            raise FormatError(source.filename, line, "a true/false answer takes at most two feedbacks: {T#wrong#right}")
        wrong, right = [*feedback, None, None][:2]
        return GiftTrueFalse(head.strip().upper() in _TRUE, texts.optional(wrong), texts.optional(right))
    return _read_choices(source, body, texts, line)


def _answers(source: _Source, body: str, line: int) -> Iterator[tuple[str, str]]:
    """Each ``=`` or ``~`` answer of a block as (marker, the rest)."""
    starts = [i for i, char in enumerate(body) if char in "=~"]
    if not starts or body[: starts[0]].strip():
        found = body[: starts[0]] if starts else body
        raise FormatError(
            source.filename,
            line,
            "an answer block lists answers starting with = or ~ (or is T, F, #number or empty);"
            f" found {found.strip()[:40]!r}",
        )
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(body)
        yield body[start], body[start + 1 : end]


def _weight(source: _Source, text: str, line: int) -> tuple[float | None, str]:
    text = text.lstrip()
    if not text.startswith("%"):
        return None, text
    end = text.find("%", 1)
    if end < 0 or not _NUMBER_RE.fullmatch(text[1:end].strip()):
        raise FormatError(source.filename, line, f"a weight is written %50% or %-25%; found {text[:20]!r}")
    weight = float(text[1:end])
    if not -100 <= weight <= 100:
        raise FormatError(source.filename, line, f"the weight {text[1:end]}% is not between -100% and 100%")
    return weight, text[end + 1 :]


def _read_choices(source: _Source, body: str, texts: _Texts, line: int) -> GiftChoices:
    choices = []
    for marker, rest in _answers(source, body, line):
        weight, rest = _weight(source, rest, line)
        answer, _, feedback = rest.partition("#")
        left, arrow, right = answer.partition("->")
        if arrow and marker != "=":
            raise FormatError(source.filename, line, "a matching pair is written =left -> right, with =")
        shown = left if arrow else answer
        text, typed = texts(shown), texts.plain(shown)
        match = texts.plain(right) if arrow else None
        choices.append(
            GiftChoice(text, marker == "=", weight, texts.optional(feedback), match, typed if typed != text else None)
        )
    pairs = sum(c.match is not None for c in choices)
    if 0 < pairs < len(choices):
        raise FormatError(source.filename, line, "an answer block mixes matching pairs (=a -> b) with other answers")
    return GiftChoices(tuple(choices))


def _number(source: _Source, text: str, line: int) -> float:
    text = text.strip()
    if not _NUMBER_RE.fullmatch(text) or not math.isfinite(float(text)):
        raise FormatError(source.filename, line, f"{text[:30]!r} is not a number (write it like 2.5 or -1e3)")
    return float(text)


def _read_number(source: _Source, spec: str, line: int) -> tuple[float, float]:
    spec = spec.strip().translate(_UNESCAPE)
    if ".." in spec:
        low, high = (_number(source, part, line) for part in spec.split("..", 1))
        if low > high:
            raise FormatError(source.filename, line, f"the range {spec} runs backwards: write {{#min..max}}")
        return (low + high) / 2, (high - low) / 2
    value, _, tolerance = spec.partition(":")
    return _number(source, value, line), abs(_number(source, tolerance, line)) if tolerance.strip() else 0.0


def _read_numbers(source: _Source, body: str, texts: _Texts, line: int) -> GiftNumbers:
    if not body.strip().startswith(("=", "~")):
        spec, _, feedback = body.partition("#")
        value, tolerance = _read_number(source, spec, line)
        return GiftNumbers((GiftNumber(value, tolerance, None, texts.optional(feedback)),))
    numbers = []
    for marker, rest in _answers(source, body, line):
        weight, rest = _weight(source, rest, line)
        spec, _, feedback = rest.partition("#")
        value, tolerance = _read_number(source, spec, line)
        weight = 0.0 if marker == "~" and weight is None else weight
        numbers.append(GiftNumber(value, tolerance, weight, texts.optional(feedback)))
    return GiftNumbers(tuple(numbers))


def _topic(part: str) -> bool:
    """Whether a part of a category path names a topic: not a Moodle context (``$course$``…), not its root
    category (``top``) and not the category Moodle makes for each course (``Default for …``)."""
    part = part.strip()
    return bool(part) and not part.startswith("$") and part.lower() != "top" and not part.startswith("Default for ")


def parse_gift(text: str, filename: str) -> list[tuple[_Parsed, list[str]]]:
    """Every question of a GIFT text with the category it is in; what cannot be a question is skipped.

    Raises:
        FormatError: malformed GIFT (an unclosed brace or title, a bad weight or number…), with its line.
    """
    reserved = _RESERVED_RE.search(text)
    if reserved:
        raise FormatError(filename, text.count("\n", 0, reserved.start()) + 1, "the file holds a Unicode noncharacter")
    found: list[tuple[_Parsed, list[str]]] = []
    category: list[str] = []
    for chunk in _chunks(text):
        source = _Source(filename, chunk)
        raw = _ESCAPE_RE.sub(_escape, chunk.text)
        if raw.lstrip().startswith("$CATEGORY:"):
            first, _, raw = raw.lstrip().partition("\n")
            path = first.removeprefix("$CATEGORY:").translate(_UNESCAPE)
            category = [p for p in path.split("/") if _topic(p)]
            if not raw.strip():
                continue
            source.chunk = _Chunk(chunk.lines[1:], chunk.numbers[1:])
        found.append((_read_question(source, raw, source.chunk.numbers[0]), category))
    return found


def read_gift(filename: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    """A bank of the GIFT file's questions: ids from ``::titles::`` (or the text), tags from ``$CATEGORY:``."""
    parsed = parse_gift(decode_text(data, filename), filename)
    skipped: list[Skipped] = []
    ids = Ids()
    converted = []
    for item, category in parsed:
        if item.question is None:
            skipped.append(Skipped(item.name, item.line, item.skip))
            continue
        try:
            mapped = next((m for kind in REGISTRY.values() if (m := kind.from_gift(item.question)) is not None), None)
        except NotMapped as exc:
            skipped.append(Skipped(item.name, item.line, exc.reason))
            continue
        if mapped is None:
            skipped.append(Skipped(item.name, item.line, "no question type here has this shape"))
            continue
        data_ = {"id": ids.take(item.name, item.question.text), **mapped.data}
        tags = tags_from(category)
        if tags:
            data_["tags"] = tags
        if item.general_feedback:
            data_["explanation"] = item.general_feedback
        converted.append(Converted(item.name, item.line, data_, mapped.notes))
    return assemble(filename, header, converted, skipped)


# --- writing ---------------------------------------------------------------------------------------------

_WRITE_ESCAPES = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:"})


def gift_escape(text: str) -> str:
    """Text as GIFT writes it: every syntax character escaped, newlines as ``\\n``."""
    return text.translate(_WRITE_ESCAPES).replace("\r\n", "\n").replace("\n", "\\n")


def _format_number(value: float) -> str:
    return repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def _format_weight(weight: float) -> str:
    return f"{weight:.5f}".rstrip("0").rstrip(".")


def _choice_line(choice: GiftChoice) -> str:
    if choice.text.lstrip().startswith("%"):
        raise NotMapped(f"the answer {choice.text!r} starts with %, which GIFT reads as a weight")
    marker = "=" if choice.right else "~"
    weight = f"%{_format_weight(choice.weight)}%" if choice.weight is not None else ""
    if choice.match is not None:
        if "->" in choice.text:
            raise NotMapped(f"the item {choice.text!r} contains ->, which GIFT reads as a matching arrow")
        text = f"{gift_escape(choice.text)} -> {gift_escape(choice.match)}"
    else:
        text = gift_escape(choice.text)
    feedback = f"#{gift_escape(choice.feedback)}" if choice.feedback else ""
    return f"{marker}{weight}{text}{feedback}"


def _block(block: GiftBlock, general: str | None) -> str:
    tail = f"####{gift_escape(general)}" if general else ""
    if isinstance(block, GiftTrueFalse):
        feedback = ""
        if block.right_feedback:
            feedback = f"#{gift_escape(block.wrong_feedback or '')}#{gift_escape(block.right_feedback)}"
        elif block.wrong_feedback:
            feedback = f"#{gift_escape(block.wrong_feedback)}"
        return "{" + ("T" if block.answer else "F") + feedback + tail + "}"
    if isinstance(block, GiftNumbers):
        answers = " ".join(f"{_format_number(n.value)}:{_format_number(n.tolerance)}" for n in block.numbers)
        return "{#" + answers + tail + "}"
    lines = "".join(f"\n\t{_choice_line(c)}" for c in block.choices)
    return "{" + lines + (f"\n\t{tail}" if tail else "") + "\n}"


def question_gift(qid: str, question: GiftQuestion, explanation: str | None) -> str:
    """One question as GIFT: its id as the title, its texts as Markdown."""
    block = _block(question.block, explanation)
    if question.after:
        inline = block.replace("\n\t", " ").replace("\n}", " }")
        body = f"{gift_escape(question.prompt)}{inline}{gift_escape(question.after)}"
    else:
        body = f"{gift_escape(question.prompt)} {block}"
    return f"::{gift_escape(qid)}::[markdown]{body}"


def write_gift(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    """A bank as GIFT: a ``$CATEGORY:`` of each question's tags, each question its type can carry."""
    bank = Bank.model_validate(data)
    out = [f"// {line}" for line in (bank.title, f"Bank {bank.id}, exported as GIFT.") if "\n" not in line]
    out.append("")
    skipped: list[Skipped] = []
    category = ""
    for question in bank.questions:
        try:
            text = question_gift(question.id, REGISTRY[question.type].to_gift(question), question.explanation)
        except NotMapped as exc:
            skipped.append(Skipped(question.id, None, exc.reason))
            continue
        wanted = "/".join(question.tags)
        if wanted != category:
            out += [f"$CATEGORY: {wanted or '$course$/top'}", ""]
            category = wanted
        out += [text, ""]
    return Exported("\n".join(out).encode(), tuple(skipped))


FORMAT = Format("gift", "GIFT", (".gift", ".txt"), read_gift, write_gift, "text/plain; charset=utf-8", ".gift")
