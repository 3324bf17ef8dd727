"""Labeling functions: each kind's votes, the vote matrix, and errors that name the function and field."""

import time

import numpy as np
import pytest

from labelwise.assist.weak import (
    ABSTAIN,
    FieldCondition,
    GivenVotes,
    Keywords,
    LabelingFunctionError,
    Pattern,
    PythonFunction,
    apply_functions,
    definition_hash,
    from_definition,
)

TASKS = [
    {"text": "Check out my channel http://x.y", "meta": {"stars": 5, "tags": ["a", "b"]}},
    {"text": "Great song", "meta": {"stars": "2"}},
    {"text": "mystery novel", "meta": {}},
    {"other": 1},
]


def test_keywords_match_whole_words_by_default_and_substrings_on_request():
    word = Keywords("my", "SPAM", ["my"])
    sub = Keywords("my_sub", "SPAM", ["my"], mode="substring")
    assert word.votes(TASKS) == ["SPAM", None, None, None]
    assert sub.votes(TASKS) == ["SPAM", None, "SPAM", None]


def test_keywords_case_and_phrases():
    assert Keywords("k", "S", ["check out"]).votes(TASKS)[0] == "S"
    assert Keywords("k", "S", ["Check"], case_sensitive=True).votes(TASKS)[:2] == ["S", None]
    assert Keywords("k", "S", ["check"], case_sensitive=True).votes(TASKS)[0] is None


def test_pattern_searches_ignoring_case_and_only_the_first_max_chars():
    lf = Pattern("check", "SPAM", r"check.*out")
    assert lf.votes(TASKS) == ["SPAM", None, None, None]
    capped = Pattern("late", "S", r"needle", max_chars=10)
    assert capped.votes([{"text": "x" * 20 + "needle"}, {"text": "needle"}]) == [None, "S"]


def test_invalid_regex_names_the_function_and_field():
    with pytest.raises(LabelingFunctionError) as err:
        Pattern("broken", "S", "(unclosed")
    assert err.value.function == "broken" and err.value.field == "pattern"
    assert "broken" in str(err.value) and "invalid regular expression" in str(err.value)


def test_a_backtracking_pattern_fails_within_its_budget_naming_the_function():
    lf = Pattern("slow", "S", r"([a-z]+\s?)*$", time_budget=0.2)
    start = time.perf_counter()
    with pytest.raises(LabelingFunctionError) as err:
        lf.votes([{"text": "abc def " * 2000 + "!"}] * 3)
    assert err.value.function == "slow" and err.value.field == "pattern"
    assert "budget" in str(err.value)
    assert time.perf_counter() - start < 15  # the timeout is checked coarsely on a busy machine


@pytest.mark.parametrize("pattern", [r"check.*out", r"(ab|cd)+x", r"(a+)+$", r"a++b", r"\d{3}-\d+"])
def test_ordinary_patterns_run_quickly_on_long_text(pattern):
    lf = Pattern("ok", "S", pattern)
    start = time.perf_counter()
    lf.votes([{"text": "ab" * 10_000 + "a" * 40}])
    assert time.perf_counter() - start < 2.0


def test_field_conditions_on_values_lengths_and_words():
    assert FieldCondition("f", "H", "meta.stars", "ge", 4).votes(TASKS) == ["H", None, None, None]
    # A numeric string compares as a number; a missing field abstains.
    assert FieldCondition("f", "H", "meta.stars", "lt", 3).votes(TASKS) == [None, "H", None, None]
    assert FieldCondition("f", "H", "text", "lt", 3, measure="words").votes(TASKS) == [
        None, "H", "H", None]
    assert FieldCondition("f", "H", "meta.tags", "contains", "b").votes(TASKS)[0] == "H"
    assert FieldCondition("f", "H", "meta.tags.1", "eq", "b").votes(TASKS)[0] == "H"
    assert FieldCondition("f", "H", "meta.stars", "in", [2, 3]).votes(TASKS) == [None, "H", None, None]
    assert FieldCondition("f", "H", "text", "missing").votes(TASKS) == [None, None, None, "H"]
    assert FieldCondition("f", "H", "meta.stars", "exists").votes(TASKS) == ["H", "H", None, None]


@pytest.mark.parametrize("kwargs, field", [
    ({"op": "between", "value": 1}, "op"),
    ({"op": "lt", "value": "x"}, "value"),
    ({"op": "in", "value": 3}, "value"),
    ({"op": "exists", "value": 3}, "value"),
    ({"op": "eq", "value": 1, "measure": "size"}, "measure"),
])
def test_bad_conditions_name_the_field(kwargs, field):
    with pytest.raises(LabelingFunctionError) as err:
        FieldCondition("cond", "H", "x", **kwargs)
    assert err.value.field == field and err.value.function == "cond"


def test_vote_matrix_codes_labels_and_abstains():
    lfs = [Keywords("song", "HAM", ["song"]), Pattern("http", "SPAM", "http"),
           GivenVotes("model", ["SPAM", "HAM", None, "HAM"], source="model")]
    votes = apply_functions(lfs, TASKS, classes=["HAM", "SPAM"])
    assert votes.dtype == np.int64
    assert votes.tolist() == [[-1, 1, 1], [0, -1, 0], [-1, -1, -1], [-1, -1, 0]]
    assert ABSTAIN == -1


def test_given_votes_respect_a_score_threshold_and_length():
    lf = GivenVotes("m", ["A", "B", "A"], scores=[0.9, 0.4, None], min_score=0.5)
    assert lf.votes([{}, {}, {}]) == ["A", None, None]
    with pytest.raises(LabelingFunctionError, match="3 votes for 2 tasks"):
        lf.votes([{}, {}])


def test_label_outside_the_classes_names_the_function():
    with pytest.raises(LabelingFunctionError) as err:
        apply_functions([Keywords("kw", "MAYBE", ["song"])], TASKS, classes=["HAM", "SPAM"])
    assert err.value.function == "kw" and err.value.field == "label"


def test_python_function_errors_name_the_function_and_task():
    def bad(data):
        return "HAM" if data["text"] else None

    with pytest.raises(LabelingFunctionError) as err:
        apply_functions([PythonFunction("bad", bad)], TASKS, classes=["HAM"])
    assert err.value.function == "bad" and "task 3" in str(err.value) and "KeyError" in str(err.value)


def test_duplicate_names_are_rejected():
    with pytest.raises(LabelingFunctionError, match="unique"):
        apply_functions([Keywords("a", "H", ["x"]), Keywords("a", "H", ["y"])], TASKS, classes=["H"])


def test_definitions_round_trip_and_hash_is_stable():
    d = {"name": "kw", "kind": "keywords", "label": "SPAM", "keywords": ["my"], "mode": "substring"}
    lf = from_definition(d)
    assert isinstance(lf, Keywords) and lf.votes(TASKS)[2] == "SPAM"
    assert definition_hash(d) == definition_hash(dict(reversed(list(d.items()))))
    assert definition_hash(d) != definition_hash({**d, "keywords": ["me"]})
    assert isinstance(from_definition({"name": "r", "kind": "regex", "label": "S", "pattern": "x"}),
                      Pattern)


@pytest.mark.parametrize("definition, field", [
    ({"name": "x", "kind": "python", "label": "S"}, "kind"),
    ({"name": "x", "kind": "regex", "label": "S"}, "pattern"),
    ({"name": "x", "kind": "regex", "pattern": "a"}, "label"),
    ({"name": "x", "kind": "regex", "label": "S", "pattern": "a", "flags": 2}, "flags"),
    ({"name": "x", "kind": "condition", "label": "S", "op": "eq"}, "field"),
    ({"name": "", "kind": "keywords", "label": "S", "keywords": ["a"]}, "name"),
    ({"name": "x", "kind": "keywords", "label": "S", "keywords": []}, "keywords"),
])
def test_bad_definitions_name_the_field(definition, field):
    with pytest.raises(LabelingFunctionError) as err:
        from_definition(definition)
    assert err.value.field == field
