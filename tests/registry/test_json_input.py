"""portal.services.json_input: one JSON object, bounded, with messages a person can act on."""

from __future__ import annotations

import pytest

from portal.services.json_input import JSONInputError, json_kind, json_path, parse_json_object


def _error(text: str, **limits: int) -> str:
    with pytest.raises(JSONInputError) as info:
        parse_json_object(text, field="config", **limits)
    return str(info.value)


def test_an_object_comes_back_as_a_dict():
    assert parse_json_object('{"a": [1, 2.5, "x", null, true], "b": {}}', field="config") == {
        "a": [1, 2.5, "x", None, True],
        "b": {},
    }


def test_errors_are_value_errors():
    assert issubclass(JSONInputError, ValueError)


def test_syntax_errors_give_line_and_column():
    message = _error('{\n  "a": 1,\n  "b": 2,\n}')
    assert message == (
        "config is not valid JSON: Expecting property name enclosed in double quotes "
        "(line 4, column 1)."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "config is empty: give a JSON object, such as {}."),
        ("   \n", "config is empty"),
        ("[]", "config must be a JSON object ({…}), not an array."),
        ("3", "not a number"),
        ("null", "not null"),
        ('"x"', "not a string"),
        ("true", "not true/false"),
        ('{"a": NaN}', "config contains NaN"),
        ('{"a": [Infinity]}', "config contains Infinity"),
        ('{"a": 1e309}', "config contains 1e309, a number too large to store."),
        ('{"a": ' + "9" * 301 + "}", "more than 300 digits"),
        ('{"a": 1, "a": 1}', 'config has the key "a" twice in one object.'),
        ('{"a": {"b": [{"c": "\\u0000"}]}}', "config.a.b[0].c contains a NUL character"),
        ('{"\\u0000": 1}', "config contains a NUL character"),
        ('{"a": ["\\udc00"]}', "config.a[0] contains an unpaired surrogate"),
    ],
)
def test_refusals(text, message):
    assert message in _error(text)


def test_a_surrogate_pair_is_one_character():
    assert parse_json_object('{"a": "\\ud83d\\ude00"}', field="config") == {"a": "\U0001f600"}


def test_depth_counts_the_object_itself():
    assert parse_json_object('{"a": {"b": 1}}', field="config", max_depth=2)
    assert "nested too deeply (line 1, column 13): at most 2 levels" in _error(
        '{"a": {"b": [1]}}', max_depth=2
    )


def test_brackets_inside_strings_do_not_nest():
    text = '{"a": "[[[[{{{{\\"]]]]"}'
    assert parse_json_object(text, field="config", max_depth=1) == {"a": '[[[[{{{{"]]]]'}


def test_very_deep_input_is_refused_without_recursion():
    assert "nested too deeply" in _error("[" * 100_000, max_bytes=200_000)


def test_size_counts_utf8_bytes():
    text = '{"a": "' + "é" * 20 + '"}'  # 29 characters, 49 bytes
    assert parse_json_object(text, field="config", max_bytes=49)
    assert _error(text, max_bytes=48) == "config is too large: 49 bytes, at most 48."


def test_the_limit_is_named_in_kilobytes_when_round():
    assert _error('{"a": "' + "x" * 2000 + '"}', max_bytes=1024).endswith("at most 1,024 (1 KB).")


def test_helpers():
    assert json_path("p", ("layers", 2, "name")) == "p.layers[2].name"
    assert [json_kind(v) for v in (1, "s", [], {}, None, False)] == [
        "a number",
        "a string",
        "an array",
        "an object",
        "null",
        "true/false",
    ]
