"""The chat object: its task data, per-message and per-turn answers, spans inside messages."""

import pytest

from labelwise.errors import Invalid
from labelwise.schema import check_task_data, message_keyed, parse_schema, validate_result

SCHEMA = parse_schema("""
objects:
  chat: {type: chat}
controls:
  helpful: {type: rating, object: chat, per_message: true, roles: [assistant]}
  overall: {type: rating, object: chat, max: 10}
  verdict: {type: choices, object: chat, options: [resolved, unresolved]}
  issues: {type: choices, object: chat, options: [wrong, rude], multiple: true, per_message: true}
  critique: {type: text, object: chat, per_message: true, max_length: 50}
  rewrite: {type: edit, object: chat}
  better: {type: pairwise, object: chat}
  order: {type: ranking, object: chat}
  unsafe: {type: spans, object: chat, labels: [unsafe, pii]}
""")
DATA = {"chat": {"model": "demo-1", "metadata": {"source": "test"}, "messages": [
    {"role": "system", "content": "Be nice."},
    {"role": "user", "content": "Hi there, I am Ann"},
    {"role": "assistant", "content": "Hello Ann! How can I help?", "model": "m1"},
    {"role": "user", "content": "Tell me a joke"},
    {"role": "assistant", "alternatives": [{"id": "x", "content": "Why did the chicken..."},
                                           {"id": "y", "content": "No.", "model": "m2"}]},
    {"role": "assistant", "alternatives": [{"content": "one"}, {"content": "two"}, {"content": "three"}]},
]}}


def check(result):
    return validate_result(SCHEMA, DATA, result)


def fails(result) -> Invalid:
    with pytest.raises(Invalid) as info:
        check(result)
    return info.value


def test_chat_schema_round_trips_and_marks_message_keyed_controls():
    assert parse_schema(SCHEMA.to_dict()) == SCHEMA
    keyed = {name for name, c in SCHEMA.controls.items() if message_keyed(SCHEMA, c)}
    assert keyed == {"helpful", "issues", "critique", "rewrite", "better", "order"}
    assert SCHEMA.to_dict()["controls"]["better"] == {"type": "pairwise", "object": "chat"}


def test_a_full_answer_is_valid_and_normalised():
    out = check({
        "helpful": {"2": 4}, "overall": 7, "verdict": "resolved", "issues": {"4": ["rude"]},
        "critique": {"2": "fine"}, "rewrite": {"2": "Hello Ann! What can I do for you?"},
        "better": {"4": "a"}, "order": {"5": ["2", "0", "1"]},
        "unsafe": [{"id": "s1", "message": 1, "start": 15, "end": 18, "label": "pii"},
                   {"id": "s2", "message": 4, "alternative": 1, "start": 0, "end": 2, "label": "unsafe"}],
    })
    assert out["helpful"] == {"2": 4} and out["better"] == {"4": "a"} and out["order"] == {"5": ["2", "0", "1"]}
    assert out["unsafe"][0]["message"] == 1


def test_an_unchanged_edit_is_no_edit():
    assert check({"rewrite": {"2": "Hello Ann! How can I help?"}}) == {}


@pytest.mark.parametrize("result, field, words", [
    ({"helpful": {"1": 4}}, "result.helpful.1", "user message"),
    ({"helpful": {"9": 4}}, "result.helpful.9", "not a message"),
    ({"helpful": {"02": 4}}, "result.helpful.02", "not a message"),
    ({"helpful": {"2": 6}}, "result.helpful.2", "outside 1..5"),
    ({"helpful": 4}, "result.helpful", "per message"),
    ({"issues": {"2": ["late"]}}, "result.issues.2[0]", "unknown choice"),
    ({"critique": {"2": "x" * 51}}, "result.critique.2", "over the limit"),
    ({"rewrite": {"1": "Hi"}}, "result.rewrite.1", "assistant messages"),
    ({"rewrite": {"2": " "}}, "result.rewrite.2", "empty"),
    ({"rewrite": {"4": "x"}}, "result.rewrite.4", "no text content"),
    ({"better": {"2": "a"}}, "result.better.2", "no alternatives"),
    ({"better": {"5": "a"}}, "result.better.5", "exactly two"),
    ({"better": {"4": "c"}}, "result.better.4", "expects one of"),
    ({"order": {"5": ["0", "1"]}}, "result.order.5", "leaves out '2'"),
    ({"order": {"4": ["x", "x"]}}, "result.order.4[1]", "twice"),
    ({"unsafe": [{"message": 7, "start": 0, "end": 1, "label": "pii"}]}, "result.unsafe[0].message", "does not exist"),
    ({"unsafe": [{"message": 4, "start": 0, "end": 1, "label": "pii"}]}, "result.unsafe[0].alternative", "which one"),
    ({"unsafe": [{"message": 1, "start": 0, "end": 99, "label": "pii"}]}, "result.unsafe[0].end", "past the end"),
    ({"unsafe": [{"start": 0, "end": 1, "label": "pii"}]}, "result.unsafe[0].message", "no 'message'"),
])
def test_bad_chat_answers_name_the_field(result, field, words):
    error = fails(result)
    assert error.field == field and words in error.message


@pytest.mark.parametrize("value, field, words", [
    ([], "data.chat", "no messages"),
    ("hello", "data.chat", "list of messages"),
    ([{"role": "bot", "content": "x"}], "data.chat[0].role", "must be one of"),
    ([{"role": "user", "content": 3}], "data.chat[0].content", "must be text"),
    ([{"from": "human", "value": "x"}], "data.chat[0]", "ShareGPT"),
    ([{"role": "user", "content": "x", "colour": 1}], "data.chat[0].colour", "unknown key"),
    ([{"role": "user", "alternatives": [{"content": "a"}, {"content": "b"}]}], "data.chat[0].alternatives", "assistant"),
    ([{"role": "assistant", "alternatives": [{"content": "a"}]}], "data.chat[0].alternatives", "two or more"),
    ([{"role": "assistant", "alternatives": [{"id": 1, "content": "a"}, {"id": "1", "content": "b"}]}],
     "data.chat[0].alternatives[1].id", "repeats"),
    ({"messages": [{"role": "user", "content": "x"}], "model": 5}, "data.chat.model", "must be text"),
    ({"turns": []}, "data.chat.turns", "unknown key"),
    ([{"role": "user", "content": "x", "createdAt": {}}], "data.chat[0].createdAt", "a time"),
])
def test_malformed_chats_name_the_row_and_field(value, field, words):
    with pytest.raises(Invalid) as info:
        check_task_data(SCHEMA, {"chat": value}, line=7)
    assert info.value.field == field and words in info.value.message
    assert info.value.message.startswith("row 7: ")


def test_label_studio_chat_messages_keep_their_created_at():
    check_task_data(SCHEMA, {"chat": [{"role": "user", "content": "hi", "createdAt": 1733050000000},
                                      {"role": "assistant", "content": "hello", "createdAt": "2024-12-01T10:00:00Z"}]})


def test_tool_calls_may_stand_without_content():
    check_task_data(SCHEMA, {"chat": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                                "function": {"name": "weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]})


@pytest.mark.parametrize("controls, field, words", [
    ({"r": {"type": "rating", "object": "t", "per_message": True}}, "controls.r.per_message", "needs a chat"),
    ({"r": {"type": "rating", "object": "chat", "roles": ["user"]}}, "controls.r.roles", "per_message: true"),
    ({"r": {"type": "rating", "object": "chat", "per_message": True, "roles": ["bot"]}}, "controls.r.roles[0]", "bot"),
    ({"e": {"type": "edit", "object": "t"}}, "controls.e.object", "chat"),
    ({"p": {"type": "pairwise", "object": "t"}}, "controls.p.object", "must be a chat"),
    ({"p": {"type": "pairwise", "object": "chat", "objects": ["t", "chat"]}}, "controls.p.objects", "not both"),
    ({"p": {"type": "pairwise"}}, "controls.p.objects", "name two objects"),
    ({"o": {"type": "ranking", "object": "chat", "buckets": [{"name": "good"}]}}, "controls.o.buckets", "alternatives"),
    ({"x": {"type": "text", "object": "chat", "per_message": True, "per_region": True, "regions_of": "s"},
      "s": {"type": "spans", "object": "chat", "labels": ["a"]}}, "controls.x.per_region", "not both"),
])
def test_bad_chat_schemas_name_the_field(controls, field, words):
    with pytest.raises(Invalid) as info:
        parse_schema({"objects": {"chat": {"type": "chat"}, "t": {"type": "text"}}, "controls": controls})
    assert info.value.field == field and words in info.value.message


def test_consensus_aggregates_each_message_on_its_own():
    from labelwise.core.review.consensus import Answer, aggregate

    answers = [
        Answer(1, {"helpful": {"2": 4}, "better": {"4": "a"}, "issues": {"2": ["rude"]}}),
        Answer(2, {"helpful": {"2": 4}, "better": {"4": "a"}}),
        Answer(3, {"helpful": {"2": 2}, "better": {"4": "b"}, "issues": {"2": ["rude"]}}),
    ]
    consensus = aggregate(SCHEMA, DATA, answers)
    assert consensus.result["better"] == {"4": "a"}
    assert consensus.result["helpful"]["2"] in (3, 4)
    assert consensus.result["issues"] == {"2": ["rude"]}


def test_gold_compares_per_message_answers_message_by_message():
    from labelwise.core.review.gold import answer_is_correct

    gold = {"issues": {"2": ["rude", "wrong"]}}
    assert answer_is_correct(SCHEMA, DATA, gold, {"issues": {"2": ["wrong", "rude"]}})
    assert not answer_is_correct(SCHEMA, DATA, gold, {"issues": {"2": ["wrong"]}})
    assert not answer_is_correct(SCHEMA, DATA, gold, {})
