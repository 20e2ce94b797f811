"""Moodle XML: reading a question export into a bank, and writing a bank as one.

Pure. The XML is parsed with defusedxml, which refuses a DTD outright, so entity expansion ("billion
laughs"), external entities and external DTDs never reach the parser's expansion machinery. Each question
type maps itself (``from_moodle_xml`` / ``to_moodle_xml`` on its :class:`QuestionType`); this module reads
and writes the XML, the text formats and the embedded images, and the fields every question shares:
the name (→ id), general feedback (→ explanation), default mark (→ points), tags and categories (→ tags).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import html
import re
import xml.sax  # nosec B406 - the exception and handler types only; parsing is defusedxml.sax's
import xml.sax.handler  # nosec B406 - as above
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET  # nosec B405 - used only to write XML, never to parse

import defusedxml.sax
from defusedxml import DefusedXmlException

from ..banks import Bank
from ..interchange import Mapped, MoodleAnswer, MoodleQuestion, NotMapped, percent
from ..packages import MEDIA_DIR
from ..types import REGISTRY
from ._core import Conversion, Converted, Exported, Format, FormatError, Ids, Skipped, assemble, default_header, slugify
from .htmltext import described, escape_markdown, html_to_markdown, with_media

PLUGINFILE = "@@PLUGINFILE@@/"
MAX_XML_BYTES = 64 * 1024 * 1024  # more than YAML's limit: the XML is wordier and carries its images
PLAIN_ANSWERS = {"shortanswer", "numerical", "truefalse"}  # answers compared with typed text, not shown
MEDIA_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
_MARKDOWN_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(" + re.escape(PLUGINFILE) + r"([^)\s]+)\)")
_MEDIA_IMAGE_RE = re.compile(r"(!\[[^\]]*\]\()" + re.escape(MEDIA_DIR) + r"/([^)\s]+)\)")


class MoodleXmlError(FormatError):
    """A file that is not Moodle XML we will read: malformed, with a DTD, or with no questions."""


# --- a small tree with line numbers ------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def value(self, path: str, default: str = "") -> str:
        """The text of the first element along ``path`` (``a/b``), or ``default``."""
        node: Node | None = self
        for tag in path.split("/"):
            node = node.find(tag) if node is not None else None
        return node.text if node is not None else default


class _Builder(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.locator: Any = None

    def setDocumentLocator(self, locator: Any) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: Any) -> None:
        node = Node(name, dict(attrs), self.locator.getLineNumber() if self.locator else 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(content)


def parse_xml(data: bytes, name: str) -> Node:
    """The document's root, or :class:`MoodleXmlError` saying what is wrong and where."""
    if len(data) > MAX_XML_BYTES:
        raise MoodleXmlError(name, 0, f"the file is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB")
    builder = _Builder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except xml.sax.SAXParseException as exc:
        line, column = exc.getLineNumber(), exc.getColumnNumber() + 1
        raise MoodleXmlError(name, line, f"this is not well-formed XML ({exc.getMessage()})", column) from None
    except DefusedXmlException as exc:
        line = getattr(exc, "line", None) or (builder.locator.getLineNumber() if builder.locator else None)
        raise MoodleXmlError(
            name,
            line or 0,
            "the file declares a DTD or entities, which are refused: a Moodle question export never has them,"
            " and they are how XML bombs and external-entity attacks work",
        ) from None
    if builder.root is None or builder.root.tag != "quiz":
        got = builder.root.tag if builder.root is not None else "nothing"
        raise MoodleXmlError(name, 1, f"a Moodle XML file starts with <quiz>, not <{got}>")
    return builder.root


# --- reading ----------------------------------------------------------------------------------------


class _Media:
    """The bank's media as the questions' embedded files are added, one name per distinct content."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.by_digest: dict[str, str] = {}

    def add(self, name: str, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        if digest in self.by_digest:
            return self.by_digest[digest]
        stem_suffix = PurePosixPath(MEDIA_NAME_RE.sub("-", PurePosixPath(name.replace("\\", "/")).name).strip("-."))
        stem, suffix = stem_suffix.stem or "image", stem_suffix.suffix.lower()
        final, n = f"{stem}{suffix}", 1
        while f"{MEDIA_DIR}/{final}" in self.files:
            n += 1
            final = f"{stem}-{n}{suffix}"
        key = f"{MEDIA_DIR}/{final}"
        self.files[key] = content
        self.by_digest[digest] = key
        return key


def _embedded_files(question: Node) -> dict[str, bytes]:
    """Every ``<file>`` in a question, by name."""
    found: dict[str, bytes] = {}
    stack = [question]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.tag == "file" and node.attrib.get("name"):
            if node.attrib.get("encoding", "base64") != "base64":
                raise NotMapped(f"the file {node.attrib['name']!r} is not base64-encoded")
            try:
                found[node.attrib["name"]] = base64.b64decode("".join(node.text.split()), validate=True)
            except (binascii.Error, ValueError):
                raise NotMapped(f"the file {node.attrib['name']!r} is not valid base64") from None
    return found


class _Texts:
    """Turns one question's texts into Markdown, its images into package media."""

    def __init__(self, files: dict[str, bytes], media: _Media):
        self.files, self.media = files, media

    def _image(self, src: str, alt: str | None) -> str:
        if not src.startswith(PLUGINFILE):
            raise NotMapped(f"the image {src!r} is not embedded in the file")
        name = unquote(src[len(PLUGINFILE) :]).split("?")[0]
        if name not in self.files:
            raise NotMapped(f"the image {name!r} is used but its file is not in the export")
        how = "describe it in Moodle"
        described(alt, how, name)  # before the file is added: a skipped question's file must not name another's
        key = self.media.add(name, self.files[name])
        return f"![{described(alt, how, name, key)}]({key})"

    def markdown(self, node: Node | None) -> str:
        """The text of a text-bearing element (``questiontext``, ``answer``…) as Markdown."""
        if node is None:
            return ""
        text, kind = node.value("text"), node.attrib.get("format", "html")
        if kind == "markdown":
            return _MARKDOWN_IMAGE_RE.sub(lambda m: self._image(PLUGINFILE + m[2], m[1]), text).strip()
        if kind == "plain_text":
            return escape_markdown(text.strip())
        if kind == "moodle_auto_format":
            text = text.replace("\n", "<br>")
        return html_to_markdown(text, self._image)

    def plain(self, node: Node | None) -> str:
        """An answer compared with what a learner types: its text without markup."""
        if node is None:
            return ""
        text = node.value("text")
        if node.attrib.get("format", "moodle_auto_format") in ("html", "moodle_auto_format"):
            text = html.unescape(re.sub(r"<[^>]*>", "", text))
        return " ".join(text.split())


def _number(text: str) -> float:
    try:
        return float(text.strip() or 0)
    except ValueError:
        raise NotMapped(f"{text!r} is not a number") from None


def _moodle_question(node: Node, qtype: str, texts: _Texts) -> MoodleQuestion:
    plain = qtype in PLAIN_ANSWERS
    answers = []
    for answer in node.findall("answer"):
        feedback = texts.markdown(answer.find("feedback")) or None
        tolerance = answer.value("tolerance")
        answers.append(
            MoodleAnswer(
                texts.plain(answer) if plain else texts.markdown(answer),
                _number(answer.attrib.get("fraction", "0")),
                feedback,
                _number(tolerance) if tolerance.strip() else None,
            )
        )
    for sub in node.findall("subquestion"):
        answers.append(MoodleAnswer(texts.markdown(sub), extra=texts.markdown(sub.find("answer")) or None))
    options = {
        child.tag: child.text.strip()
        for child in node.children
        if not child.children and child.tag not in ("answer", "subquestion")
    }
    units = [(u.value("unit_name").strip(), _number(u.value("multiplier", "1"))) for u in _all(node, "units", "unit")]
    main = [name for name, multiplier in units if multiplier == 1 and name]
    if main:
        options["unit"] = main[0]
    others = [name for name, _ in units if name and name not in main[:1]]
    if others:
        options["other_units"] = ", ".join(others)
    return MoodleQuestion(qtype, texts.markdown(node.find("questiontext")), tuple(answers), options)


def _category_tags(path: str) -> list[str]:
    segments = [s.strip() for s in path.split("/")]
    kept = [s for s in segments if s and not s.startswith("$") and s != "top" and not s.startswith("Default for ")]
    return [tag for tag in (slugify(s) for s in kept) if tag]


def _common(node: Node, texts: _Texts, category: list[str], ids: Ids, text: str) -> dict[str, Any]:
    name = " ".join(node.value("name/text").split())
    fields: dict[str, Any] = {"id": ids.take(node.value("idnumber").strip() or name, text)}
    explanation = texts.markdown(node.find("generalfeedback"))
    if explanation:
        fields["explanation"] = explanation
    tags = list(dict.fromkeys([*category, *(slugify(t.value("text")) for t in _all(node, "tags", "tag"))]))
    if [t for t in tags if t]:
        fields["tags"] = [t for t in tags if t]
    grade = node.value("defaultgrade").strip()
    if grade and _number(grade) > 0 and _number(grade) != 1:
        fields["points"] = _number(grade)
    return fields


def _all(node: Node, outer: str, inner: str) -> list[Node]:
    holder = node.find(outer)
    return holder.findall(inner) if holder is not None else []


def _kind(source: MoodleQuestion) -> Any:
    return next((kind for kind in REGISTRY.values() if kind.reads_moodle(source)), None)


def read_moodle_xml(
    data: bytes,
    *,
    bank_id: str | None = None,
    name: str = "questions.xml",
    header: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Conversion:
    """Convert a Moodle XML question export into a bank package.

    Questions that have no counterpart (essay, calculated, description, random…, a cloze with a
    multiple-choice gap, an image without alt text) are skipped and reported with their name and line; what
    a converted question had to leave out (partial credit, other units, feedback…) is reported too.
    ``header`` (as from ``default_header``) is the bank's header; by default one made from the file name.

    Raises:
        MoodleXmlError: the file is malformed, declares a DTD or entities, or no question converts.
    """
    root = parse_xml(data, name)
    day = today or dt.date.min  # only when no header is given: the tests' own calls say the day
    head = dict(header) if header is not None else default_header(name, "Moodle XML", bank_id=bank_id, today=day)
    media, ids = _Media(), Ids()
    questions: list[Converted] = []
    skipped: list[Skipped] = []
    category: list[str] = []
    for node in root.findall("question"):
        qtype = node.attrib.get("type", "")
        if qtype == "category":
            category = _category_tags(node.value("category/text"))
            continue
        title = " ".join(node.value("name/text").split())
        try:
            texts = _Texts(_embedded_files(node), media)
            source = _moodle_question(node, qtype, texts)
            kind = _kind(source)
            if kind is None:
                raise NotMapped(f"Moodle {qtype or 'untyped'} questions have no counterpart in the bank format")
            mapped: Mapped = kind.from_moodle_xml(source)
            common = _common(node, texts, category, ids, source.text)
        except NotMapped as exc:
            skipped.append(Skipped(title, node.line, str(exc)))
            continue
        fields = {"id": common.pop("id"), "type": kind.name, **mapped.data, **common}
        notes = tuple(f"converted, but {note}" for note in mapped.notes)
        questions.append(Converted(title, node.line, fields, notes))
    try:
        conversion = assemble(name, head, questions, skipped, media.files)
    except FormatError as exc:
        raise MoodleXmlError(name, 0, exc.problems[0].message) from None
    return with_media(conversion, media.files)


# --- writing ----------------------------------------------------------------------------------------


def _text_element(
    parent: ET.Element, tag: str, text: str, media: Mapping[str, bytes], kind: str = "markdown"
) -> ET.Element:
    """``<tag format="…"><text>…</text><file …/>…</tag>``, images pointed at files embedded in it."""
    element = ET.SubElement(parent, tag, {"format": kind})
    names: list[str] = []

    def point(match: re.Match[str]) -> str:
        names.append(match[2])
        return f"{match[1]}{PLUGINFILE}{quote(match[2])})"

    ET.SubElement(element, "text").text = _MEDIA_IMAGE_RE.sub(point, text)
    for name in dict.fromkeys(names):
        content = media.get(f"{MEDIA_DIR}/{name}")
        if content is not None:
            ET.SubElement(element, "file", {"name": name, "path": "/", "encoding": "base64"}).text = base64.b64encode(
                content
            ).decode()
    return element


def _question_element(quiz: ET.Element, question: Any, moodle: MoodleQuestion, media: Mapping[str, bytes]) -> None:
    element = ET.SubElement(quiz, "question", {"type": moodle.qtype})
    ET.SubElement(ET.SubElement(element, "name"), "text").text = question.id
    _text_element(element, "questiontext", moodle.text, media)
    _text_element(element, "generalfeedback", question.explanation or "", media)
    ET.SubElement(element, "defaultgrade").text = percent(question.points)
    ET.SubElement(element, "idnumber").text = question.id
    for key, value in moodle.options.items():
        if key != "unit":
            ET.SubElement(element, key).text = value
    plain = moodle.qtype in PLAIN_ANSWERS
    for answer in moodle.answers:
        if moodle.qtype == "match":
            sub = _text_element(element, "subquestion", answer.text, media)
            ET.SubElement(ET.SubElement(sub, "answer"), "text").text = answer.extra or ""
            continue
        kind = "plain_text" if plain else "markdown"
        item = _text_element(element, "answer", answer.text, media, kind)
        item.set("fraction", percent(answer.fraction))
        if answer.tolerance is not None:
            ET.SubElement(item, "tolerance").text = repr(answer.tolerance)
        _text_element(item, "feedback", answer.feedback or "", media)
    if "unit" in moodle.options:
        unit = ET.SubElement(ET.SubElement(element, "units"), "unit")
        ET.SubElement(unit, "multiplier").text = "1"
        ET.SubElement(unit, "unit_name").text = moodle.options["unit"]
    if question.tags:
        tags = ET.SubElement(element, "tags")
        for tag in question.tags:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag


def export_moodle_xml(data: Mapping[str, Any], media: Mapping[str, bytes]) -> Exported:
    """A bank (its data, as from ``bank_to_data`` or stored) as a Moodle XML question export, and what it
    left out.

    Texts are written in Moodle's Markdown format, images as embedded files. A type Moodle has no
    counterpart for (a flashcard) is left out, with a comment in its place saying so.
    """
    bank = Bank.model_validate(dict(data))
    quiz = ET.Element("quiz")
    skipped = []
    for question in bank.questions:
        try:
            moodle = REGISTRY[question.type].to_moodle_xml(question)
        except NotMapped as exc:
            quiz.append(ET.Comment(f" {question.id} left out: {exc} "))
            skipped.append(Skipped(question.id, None, str(exc)))
            continue
        _question_element(quiz, question, moodle, media)
    ET.indent(quiz)
    return Exported(ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n", tuple(skipped))


def write_moodle_xml(data: Mapping[str, Any], media: Mapping[str, bytes]) -> bytes:
    """The bytes of :func:`export_moodle_xml`."""
    return export_moodle_xml(data, media).content


def _read(name: str, data: bytes, header: Mapping[str, Any]) -> Conversion:
    return read_moodle_xml(data, name=name, header=header)


FORMAT = Format("moodle-xml", "Moodle XML", (".xml",), _read, export_moodle_xml, "application/xml", ".xml")
