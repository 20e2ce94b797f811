"""A strict YAML loader for question banks.

Built on libyaml's composer (the C parser) so it is fast, but it never runs PyYAML's constructor: the
node tree is walked here, so content is never silently coerced. Anchors and aliases are refused (an
alias bomb fails on the first reused node), as are duplicate keys, non-standard tags and deep nesting.
Every failure is a :class:`BankError` carrying file, line, column and field path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .refusals import Refused

try:  # libyaml is required for speed; fall back so a broken build still validates, only slower.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    from yaml import SafeLoader as _Loader

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 24

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_KINDS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bank, with where it is."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    path: str  # e.g. "questions[3].choices[0].text"; "" for the whole document
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        where += f":{self.column}" if self.line and self.column else ""
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class BankError(Refused):
    """A bank could not be loaded or is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class Plain(str):
    """An unquoted scalar that YAML would have read as a number, boolean, null or date.

    It keeps exactly the text the author typed; ``kind`` says what YAML would have made of it, so a
    field that expects a number or a boolean can accept it and a field that expects text keeps it as is.
    """

    kind: str


def _plain(text: str, kind: str) -> Plain:
    value = Plain(text)
    value.kind = kind
    return value


def format_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Walker:
    def __init__(self, filename: str):
        self.filename = filename
        self.seen: set[int] = set()

    def fail(self, node: yaml.Node, path: tuple[Any, ...], message: str, mark: Any = None) -> BankError:
        mark = mark or node.start_mark
        return BankError([Problem(self.filename, mark.line + 1, mark.column + 1, format_path(path), message)])

    def walk(self, node: yaml.Node, path: tuple[Any, ...], depth: int, used_at: Any = None) -> Any:
        """Convert ``node``; ``used_at`` is where it is used (its key, or its list), to point at an alias."""
        if depth > MAX_DEPTH:
            raise self.fail(node, path, f"nesting is deeper than {MAX_DEPTH} levels")
        ident = id(node)
        if ident in self.seen:
            raise self.fail(
                node,
                path,
                "anchors and aliases (&name, *name, <<) are not allowed in a bank "
                f"(this reuses the value defined at line {node.start_mark.line + 1})",
                used_at,
            )
        self.seen.add(ident)
        if isinstance(node, yaml.ScalarNode):
            kind = _KINDS.get(node.tag)
            if kind is None:
                raise self.fail(node, path, f"the tag {node.tag!r} is not allowed")
            if kind == "str":
                return node.value
            if node.style and node.tag != _STR:  # an explicit tag on a quoted scalar, e.g. !!int "3"
                raise self.fail(node, path, f"the tag {node.tag!r} is not allowed on quoted text")
            return _plain(node.value, kind)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, path, f"the tag {node.tag!r} is not allowed")
            return [self.walk(item, (*path, i), depth + 1, node.start_mark) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self.fail(node, path, f"the tag {node.tag!r} is not allowed")
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, path, "a key must be plain text, not a list or mapping")
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "merge keys (<<) are not allowed in a bank")
                key = key_node.value
                if key in result:
                    raise self.fail(key_node, (*path, key), f"duplicate key {key!r}")
                self.seen.add(id(key_node))
                result[key] = self.walk(value_node, (*path, key), depth + 1, key_node.start_mark)
            return result
        raise self.fail(node, path, "unsupported YAML node")  # pragma: no cover


def decode(source: bytes, filename: str) -> str:
    """A bank file's bytes as text; a :class:`BankError` pointing at the first byte that is not UTF-8."""
    try:
        return source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BankError([Problem(filename, line, column, "", "the file is not valid UTF-8 text")]) from None


def compose(source: bytes | str, filename: str) -> yaml.Node | None:
    """Parse ``source`` into libyaml's node tree, turning every failure into a :class:`BankError`."""
    if len(source) > MAX_BYTES:
        raise BankError([Problem(filename, 0, 0, "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    if isinstance(source, bytes):
        source = decode(source, filename)
    if "\x00" in source:
        raise BankError([Problem(filename, 0, 0, "", "the file contains a NUL character; it is not a text file")])
    loader = _Loader(source)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _yaml_message(exc)
        if mark is not None and 0 <= mark.index < len(source) and source[mark.index] == "\t":
            message = "a tab character cannot be used for indentation; use spaces"
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise BankError([Problem(filename, line, column, "", message)]) from None
    except yaml.YAMLError as exc:
        raise BankError([Problem(filename, 0, 0, "", f"not valid YAML: {exc}")]) from None
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # pragma: no cover - defensive
        raise BankError([Problem(filename, 0, 0, "", f"not valid YAML ({type(exc).__name__})")]) from None
    finally:
        loader.dispose()


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    text = "; ".join(parts) or "not valid YAML"
    return "not valid YAML: " + re.sub(r"\s+", " ", text)


def load(source: bytes | str, filename: str = "<bank>") -> tuple[Any, yaml.Node | None]:
    """Load a YAML document strictly; return the plain data and the node tree (for locating problems)."""
    root = compose(source, filename)
    if root is None:
        raise BankError([Problem(filename, 1, 1, "", "the file is empty")])
    return _Walker(filename).walk(root, (), 0), root


def locate(root: yaml.Node | None, path: tuple[Any, ...], at_key: bool = False) -> tuple[int, int, tuple[Any, ...]]:
    """Return (line, column, resolved_path) of the deepest node along ``path`` that exists.

    With ``at_key`` the position of the last key itself is returned (for "unknown field" problems).
    """
    node = root
    resolved: list[Any] = []
    key_node = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    key_node, node = k, v
                    resolved.append(part)
                    break
            else:
                continue  # e.g. a union tag in a validation path: skip it
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            key_node, node = None, node.value[part]
            resolved.append(part)
        else:
            continue
    target = key_node if at_key and key_node is not None and resolved and resolved[-1] == path[-1] else node
    if target is None:
        return 0, 0, tuple(resolved)
    return target.start_mark.line + 1, target.start_mark.column + 1, tuple(resolved)
