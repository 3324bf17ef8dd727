"""Chat import (OpenAI messages, Hugging Face chat columns, ShareGPT) and the DPO and ratings exports."""

from __future__ import annotations

import io
import json

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelwise.errors import Invalid
from labelwise.formats import chat, chat_exports, exporters
from labelwise.formats.registry import read_rows
from labelwise.schema import check_task_data, parse_schema, validate_result
from tests.formats._helpers import record

SCHEMA = parse_schema({
    "objects": {"chat": {"type": "chat", "field": "conversation"}},
    "controls": {
        "helpful": {"type": "rating", "object": "chat", "per_message": True, "roles": ["assistant"]},
        "overall": {"type": "rating", "object": "chat", "max": 7},
        "better": {"type": "pairwise", "object": "chat"},
        "order": {"type": "ranking", "object": "chat"},
        "rewrite": {"type": "edit", "object": "chat"},
    },
})
CONVERSATION = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Capital of France?"},
    {"role": "assistant", "alternatives": [{"id": "a1", "content": "Paris.", "model": "m-big"},
                                           {"id": "a2", "content": "Lyon.", "model": "m-small"}]},
    {"role": "user", "content": "And of Italy?"},
    {"role": "assistant", "content": "It is Rome, of course!", "model": "m-big"},
    {"role": "user", "content": "Spain?"},
    {"role": "assistant", "alternatives": [{"content": "Madrid"}, {"content": "Barcelona"}, {"content": "Seville"}]},
]


def _read(text: str | bytes, fmt: str = "chat") -> list:
    raw = text.encode() if isinstance(text, str) else text
    return [row.value for row in read_rows(io.BytesIO(raw), fmt, max_line_bytes=1 << 20, schema=SCHEMA)]


# --- import ------------------------------------------------------------------------------------------

def test_openai_messages_jsonl_becomes_chat_task_data():
    line = {"messages": [{"role": "developer", "content": "Be brief."},
                         {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]},
                         {"role": "assistant", "content": "Hello.", "weight": 1}], "source": "logs"}
    [value] = _read(json.dumps(line) + "\n")
    assert value == {"source": "logs", "conversation": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi\nthere"},
        {"role": "assistant", "content": "Hello.", "metadata": {"weight": 1}}]}
    check_task_data(SCHEMA, value)


def test_sharegpt_conversations_in_a_json_array_become_messages():
    rows = [{"id": "c1", "conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q"},
                                           {"from": "gpt", "value": "A"}]}]
    [value] = _read(json.dumps(rows))
    assert value["conversation"] == [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
                                     {"role": "assistant", "content": "A"}]


def test_plain_jsonl_import_into_a_chat_project_converts_too():
    [value] = _read(json.dumps({"messages": [{"from": "human", "value": "Q"}]}) + "\n", fmt="jsonl")
    assert value == {"conversation": [{"role": "user", "content": "Q"}]}


def test_hugging_face_parquet_chat_column_imports():
    table = pa.table({
        "prompt_id": ["p1", "p2"],
        "messages": [[{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}],
                     [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}]],
    })
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    values = _read(buffer.getvalue())
    assert [v["data"]["conversation"][1]["content"] for v in values] == ["A1", "A2"]
    assert values[0]["data"]["prompt_id"] == "p1"
    for value in values:
        check_task_data(SCHEMA, value["data"])


@pytest.mark.parametrize("line, field, words", [
    ({"messages": [{"from": "alien", "value": "x"}]}, "messages[0].from", "unknown role 'alien'"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
     "messages[0].content[0]", "only text parts"),
    ({"conversations": [{"role": "narrator", "content": "x"}]}, "conversations[0].role", "unknown role"),
])
def test_malformed_chats_fail_naming_row_and_field(line, field, words):
    text = json.dumps({"messages": [{"role": "user", "content": "fine"}]}) + "\n" + json.dumps(line) + "\n"
    with pytest.raises(Invalid) as info:
        _read(text)
    assert info.value.field == field and info.value.line == 2 and words in info.value.message
    assert info.value.message.startswith("row 2: ")


def test_the_chat_format_needs_a_chat_object():
    plain = parse_schema({"objects": {"t": {"type": "text"}},
                          "controls": {"c": {"type": "choices", "object": "t", "options": ["a"]}}})
    with pytest.raises(Invalid, match="chat object"):
        list(read_rows(io.BytesIO(b"{}\n"), "chat", max_line_bytes=100, schema=plain))


# --- exports -----------------------------------------------------------------------------------------

def _labelled():
    data = {"conversation": CONVERSATION}
    first = validate_result(SCHEMA, data, {"helpful": {"4": 5}, "overall": 6, "better": {"2": "b"},
                                           "order": {"6": ["0", "2", "1"]}, "rewrite": {"4": "Rome."}})
    second = validate_result(SCHEMA, data, {"helpful": {"4": 3}, "better": {"2": "tie"}})
    return [record(1, data, first, second, external_id="conv-1"),
            record(2, {"conversation": CONVERSATION[:3]})]


def test_dpo_pairs_come_from_pairwise_ranking_and_edits():
    buffer = io.StringIO()
    chat_exports.write_pairs(_labelled(), buffer, schema=SCHEMA, source="first")
    pairs = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [(p["kind"], p["message"]) for p in pairs] == [("pairwise", 2)] + [("ranking", 6)] * 3 + [("edit", 4)]
    pairwise, *ranking, edit = pairs
    assert pairwise["prompt"] == [{"role": "system", "content": "You are terse."},
                                  {"role": "user", "content": "Capital of France?"}]
    assert pairwise["chosen"] == [{"role": "assistant", "content": "Lyon."}]
    assert pairwise["rejected"] == [{"role": "assistant", "content": "Paris."}]
    assert (pairwise["chosen_model"], pairwise["rejected_model"]) == ("m-small", "m-big")
    # the earlier turn enters the prompt as the alternative this answer preferred
    assert ranking[0]["prompt"][2] == {"role": "assistant", "content": "Lyon."}
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in ranking] == [
        ("Madrid", "Seville"), ("Madrid", "Barcelona"), ("Seville", "Barcelona")]
    assert edit["chosen"][0]["content"] == "Rome." and edit["rejected"][0]["content"] == "It is Rome, of course!"
    assert {p["annotator"] for p in pairs} == {"user1"} and pairwise["external_id"] == "conv-1"


def test_dpo_pairs_skip_ties_and_loads_with_datasets(tmp_path):
    path = tmp_path / "pairs.jsonl"
    with path.open("wb") as fp:
        exporters.write("dpo", lambda _: _labelled(), fp, schema=SCHEMA, source="all")
    loaded = datasets.load_dataset("json", data_files=str(path), split="train")
    assert loaded.num_rows == 5  # the second annotator's tie gives no pair
    assert set(loaded.column_names) >= {"prompt", "chosen", "rejected"}


def test_ratings_parquet_loads_with_datasets(tmp_path):
    path = tmp_path / "ratings.parquet"
    with path.open("wb") as fp:
        exporters.write("chat-ratings", lambda _: _labelled(), fp, schema=SCHEMA, source="all")
    loaded = datasets.load_dataset("parquet", data_files={"train": str(path)}, split="train")
    rows = loaded.to_list()
    assert [(r["annotator"], r["control"], r["message"], r["rating"]) for r in rows] == [
        ("user1", "helpful", 4, 5.0), ("user1", "overall", None, 6.0), ("user2", "helpful", 4, 3.0)]
    assert rows[0]["role"] == "assistant" and rows[0]["model"] == "m-big"
    assert rows[0]["content"] == "It is Rome, of course!" and rows[0]["max"] == 5.0
    assert rows[1]["max"] == 7.0 and rows[1]["messages"][1] == {"role": "user", "content": "Capital of France?"}
    assert loaded.features["messages"] == datasets.List({"role": datasets.Value("string"),
                                                         "content": datasets.Value("string")})


def test_chat_answers_survive_the_general_parquet_and_label_studio_exports(tmp_path):
    for name in ("parquet", "labelstudio", "jsonl-minimal", "csv"):
        buffer = io.BytesIO()
        exporters.write(name, lambda _: _labelled(), buffer, schema=SCHEMA, source="first")
        assert buffer.getvalue()
    buffer = io.BytesIO()
    exporters.write("parquet", lambda _: _labelled(), buffer, schema=SCHEMA, source="first")
    loaded = pq.read_table(io.BytesIO(buffer.getvalue())).to_pylist()
    assert json.loads(loaded[0]["better"]) == {"2": "b"}


def test_the_chat_field_is_the_first_chat_object():
    assert chat.chat_field(SCHEMA) == "conversation" and chat.chat_field(None) is None


def test_without_pyarrow_the_ratings_export_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    monkeypatch.setitem(__import__("sys").modules, "pyarrow.parquet", None)
    with pytest.raises(exporters.MissingDependency, match="labelwise\\[formats\\]"):
        exporters.write("chat-ratings", lambda _: _labelled(), io.BytesIO(), schema=SCHEMA)
    buffer = io.BytesIO()
    exporters.write("dpo", lambda _: _labelled(), buffer, schema=SCHEMA)  # needs nothing optional
    assert buffer.getvalue()


def test_preference_pairs_import_as_a_turn_with_two_alternatives():
    rows = [
        {"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."},  # TRL standard
        {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],  # UltraFeedback-like
         "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away."}], "score": 7},
        {"prompt": [{"role": "user", "content": "2+2?"}], "chosen": [{"role": "assistant", "content": "4"}],
         "rejected": [{"role": "assistant", "content": "5"}]},  # TRL conversational
    ]
    values = _read("".join(json.dumps(r) + "\n" for r in rows))
    for value, prompt in zip(values, ("Capital of France?", "Hi", "2+2?")):
        check_task_data(SCHEMA, value)
        *before, turn = value["conversation"]
        assert before == [{"role": "user", "content": prompt}]
        labels = sorted(a["metadata"]["source_label"] for a in turn["alternatives"])
        assert turn["role"] == "assistant" and labels == ["chosen", "rejected"]
    assert values[1]["score"] == 7 and "chosen" not in values[1]
    # the order follows the content, so the chosen reply is not always first
    firsts = {v["conversation"][-1]["alternatives"][0]["metadata"]["source_label"] for v in _read("".join(
        json.dumps({"prompt": f"q{i}", "chosen": f"good {i}", "rejected": f"bad {i}"}) + "\n" for i in range(12)))}
    assert firsts == {"chosen", "rejected"}


def test_a_preference_pair_with_a_longer_reply_fails_naming_the_field():
    row = {"prompt": "Hi", "chosen": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}],
           "rejected": "c"}
    with pytest.raises(Invalid) as info:
        _read(json.dumps(row) + "\n")
    assert info.value.field == "chosen" and "one assistant message" in info.value.message
