"""The strict YAML loader: every failure is a BankError with a location, never a Python error."""

from __future__ import annotations

import pytest

from quizapp.domain.banks import parse_bank
from quizapp.domain.yamlload import MAX_BYTES, MAX_DEPTH, BankError, Plain, load


def problems(source: str | bytes) -> list[str]:
    with pytest.raises(BankError) as info:
        parse_bank(source, "b.yaml")
    return [str(p) for p in info.value.problems]


ALIAS_BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


ALIAS = "anchors and aliases (&name, *name, <<) are not allowed in a bank (this reuses the value defined at line {})"


def test_alias_bomb_is_refused_at_the_first_alias():
    assert len(ALIAS_BOMB) < 450  # nine levels: 9**9 (387 million) leaves if walked
    # The first reuse is *a inside b's list, which starts on line 2, column 4.
    assert problems(ALIAS_BOMB) == ["b.yaml:2:4: b[0]: " + ALIAS.format(1)]


def test_recursive_alias_is_refused():
    assert problems("a: &x [1, *x]\n") == ["b.yaml:1:4: a[1]: " + ALIAS.format(1)]


def test_scalar_alias_is_refused():
    assert problems("a: &x hello\nb: *x\n") == ["b.yaml:2:1: b: " + ALIAS.format(1)]


def test_merge_key_is_refused():
    assert problems("base: {a: 1}\nother:\n  <<: {b: 2}\n") == [
        "b.yaml:3:3: other: merge keys (<<) are not allowed in a bank"
    ]


def test_duplicate_key_is_refused_at_the_second_key():
    assert problems("id: one\ntitle: x\nid: two\n") == ["b.yaml:3:1: id: duplicate key 'id'"]


def test_deep_nesting_is_refused():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert problems(text) == [
        f"b.yaml:1:{MAX_DEPTH + 4}: a{'[0]' * MAX_DEPTH}: nesting is deeper than {MAX_DEPTH} levels"
    ]


def test_nesting_beyond_libyaml_limit_is_a_bank_error():
    text = "[" * 5000 + "]" * 5000
    (message,) = problems(text)
    assert message.startswith("b.yaml:1:1001: not valid YAML:")
    assert "nesting depth" in message


def test_python_tags_are_refused():
    assert problems("a: !!python/object/apply:os.system ['true']\n") == [
        "b.yaml:1:4: a: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    ]


def test_custom_tag_on_scalar_is_refused():
    assert problems("a: !secret x\n") == ["b.yaml:1:4: a: the tag '!secret' is not allowed"]


def test_size_cap():
    assert problems(b"#" * (MAX_BYTES + 1)) == ["b.yaml: the file is larger than 16 MiB"]


def test_invalid_utf8_has_a_location():
    assert problems(b"id: ok\ntitle: caf\xe9\n") == ["b.yaml:2:11: the file is not valid UTF-8 text"]


def test_nul_character():
    assert problems("id: a\x00b\n") == ["b.yaml: the file contains a NUL character; it is not a text file"]


def test_empty_file():
    assert problems("") == ["b.yaml:1:1: the file is empty"]
    assert problems("# only a comment\n") == ["b.yaml:1:1: the file is empty"]


def test_tab_indentation_message():
    assert problems("a:\n\tb: 1\n") == ["b.yaml:2:1: a tab character cannot be used for indentation; use spaces"]


def test_syntax_error_has_line_and_column():
    (message,) = problems("a: [1, 2\nb: 3\n")
    assert message.startswith("b.yaml:2:2: not valid YAML:")


def test_two_documents_are_refused():
    (message,) = problems("a: 1\n---\nb: 2\n")
    assert message.startswith("b.yaml:2:1: not valid YAML:") and "single document" in message


def test_a_list_at_the_top_is_not_a_bank():
    assert problems("- a\n- b\n") == [
        "b.yaml:1:1: a bank must be a mapping of fields (format, id, title, ...), got a list"
    ]


def test_complex_key_is_refused():
    assert problems("? [a, b]\n: c\n") == ["b.yaml:1:3: a key must be plain text, not a list or mapping"]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("no", "bool"),
        ("yes", "bool"),
        ("on", "bool"),
        ("3.10", "float"),
        ("1:30", "int"),
        ("010", "int"),
        ("0x1F", "int"),
        ("2024-01-01", "timestamp"),
        ("~", "null"),
        (".inf", "float"),
    ],
)
def test_plain_scalars_keep_their_text(typed: str, kind: str):
    data, _ = load(f"value: {typed}\n", "t.yaml")
    assert data["value"] == typed
    assert isinstance(data["value"], Plain) and data["value"].kind == kind


def test_quoted_scalars_are_plain_strings():
    data, _ = load("a: 'no'\nb: \"3.10\"\nc: |\n  010\n", "t.yaml")
    assert data == {"a": "no", "b": "3.10", "c": "010\n"}
    assert not any(isinstance(v, Plain) for v in data.values())


def test_keys_are_always_text():
    data, _ = load("true: 1\n3: 2\nnull: 3\n", "t.yaml")
    assert list(data) == ["true", "3", "null"]
