"""Conversations in the common chat shapes, read into a project's `chat` object.

Accepted per row (JSON Lines, a JSON array, or Parquet such as a Hugging Face dataset's files):

- OpenAI style: `{"messages": [{"role", "content", ...}, ...], ...}`, content as text or a list of
  text parts; `developer` becomes `system` and the legacy `function` role becomes `tool`;
- Hugging Face chat columns: a `messages`, `conversations` or `conversation` column of role/content
  dicts, or of ShareGPT `{"from", "value"}` dicts (`human`, `gpt`, `system`, `tool`, ...);
- a bare list of messages, or a labelwise task (`{"data": {...}}`) whose chat field holds any of these;
- a preference pair, `{"prompt"?, "chosen", "rejected"}` as text or messages (TRL's shapes): a chat whose
  last turn offers the two replies as alternatives, for labeling the preference again.

Each row becomes task data with the chat under the object's field; the row's other columns stay as
task data. A message's keys that a chat message does not have go into its `metadata`. Anything that
cannot be a message fails with `Invalid` naming the row and the field (`row 3: messages[1].from`).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from collections.abc import Iterator
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats import hf_parquet, json_array, jsonl
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema

__all__ = ["NAME", "CHAT_COLUMNS", "chat_field", "convert_rows", "read"]

NAME = "chat"
CHAT_COLUMNS = ("messages", "conversations", "conversation")
_ROLES = {
    "system": "system", "developer": "system",
    "user": "user", "human": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "chatgpt": "assistant", "bard": "assistant", "bing": "assistant",
    "model": "assistant", "bot": "assistant",
    "tool": "tool", "function": "tool", "observation": "tool", "ipython": "tool",
}
_MESSAGE_KEYS = ("role", "content", "model", "name", "id", "metadata", "tool_calls", "tool_call_id", "alternatives")
_PARQUET_MAGIC = b"PAR1"


def chat_field(schema: LabelSchema | None) -> str | None:
    """The task-data key of the schema's first chat object, or None when it has none."""
    if schema is None:
        return None
    return next((spec.field for spec in schema.objects.values() if spec.type == "chat"), None)


def read(fp: IO[bytes], *, schema: LabelSchema, max_line_bytes: int = 16 * 1024**2) -> Iterator[Row]:
    """Rows of a JSON Lines, JSON array or Parquet file of conversations, as tasks for `schema`."""
    field = chat_field(schema)
    if field is None:
        raise Invalid("the chat import needs a project whose schema has a chat object", field="format")
    head = fp.read(4)
    fp.seek(0)
    if head == _PARQUET_MAGIC:
        rows = hf_parquet.read(fp)
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[":
        rows = json_array.read(fp)
    else:
        rows = jsonl.read(fp, max_line_bytes=max_line_bytes)
    return convert_rows(rows, field)


def convert_rows(rows: Iterator[Row], field: str) -> Iterator[Row]:
    """Rows whose conversations are put in chat form under `field`; other rows pass unchanged."""
    for row in rows:
        yield Row(row.line, _convert(row.value, field, row.line))


def _convert(value: Any, field: str, line: int) -> Any:
    if isinstance(value, list):
        return {field: _messages(value, "messages", line)}
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("data"), dict):
        return {**value, "data": _task_data(value["data"], field, line, "data.")}
    return _task_data(value, field, line, "")


def _task_data(data: dict, field: str, line: int, prefix: str) -> dict:
    data = {key: _plain(cell) for key, cell in data.items()}
    source = field if field in data else next((c for c in CHAT_COLUMNS if c in data), None)
    if source is None and "chosen" in data and "rejected" in data:
        return _preference_row(data, field, line, prefix)
    if source is None:
        return data  # the import's own check names the missing field
    chat = data.pop(source)
    where = f"{prefix}{source}"
    if isinstance(chat, dict) and isinstance(chat.get("messages"), list):
        chat = {**chat, "messages": _messages(chat["messages"], f"{where}.messages", line)}
    elif isinstance(chat, list):
        chat = _messages(chat, where, line)
    data[field] = chat
    return data


def _preference_row(data: dict, field: str, line: int, prefix: str) -> dict:
    """A preference pair (TRL's standard or conversational shape) as a chat whose last turn offers the two
    replies, in an order set by the content (not chosen-first, which would bias annotators); which one was
    chosen stays in each alternative's metadata as `source_label`."""
    prompt, chosen, rejected = data.pop("prompt", None), data.pop("chosen"), data.pop("rejected")
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    elif prompt is not None and not isinstance(prompt, list):
        raise Invalid(f"row {line}: {prefix}prompt: must be text or a list of messages", field=f"{prefix}prompt",
                      line=line)
    replies = {}
    for label, value in (("chosen", chosen), ("rejected", rejected)):
        where = f"{prefix}{label}"
        messages = [{"role": "assistant", "content": value}] if isinstance(value, str) else value
        if not isinstance(messages, list) or not messages:
            raise Invalid(f"row {line}: {where}: must be text or a list of messages", field=where, line=line)
        replies[label] = _messages(messages, where, line)
    if prompt is None:  # conversational pairs without a prompt repeat it in both
        shared = 0
        while (shared < min(len(replies["chosen"]), len(replies["rejected"])) - 1
               and replies["chosen"][shared] == replies["rejected"][shared]):
            shared += 1
        prompt = replies["chosen"][:shared]
        replies = {label: messages[shared:] for label, messages in replies.items()}
    alternatives = []
    for label, messages in replies.items():
        if len(messages) != 1 or not isinstance(messages[0], dict) or messages[0].get("role") != "assistant":
            where = f"{prefix}{label}"
            raise Invalid(f"row {line}: {where}: the reply must be one assistant message after the prompt",
                          field=where, line=line)
        reply = messages[0]
        alternatives.append({**{k: reply[k] for k in ("content", "model") if k in reply},
                             "metadata": {**(reply.get("metadata") or {}), "source_label": label}})
    digest = hashlib.sha256(json.dumps([a["content"] for a in alternatives], default=str).encode()).digest()
    if digest[0] % 2:
        alternatives.reverse()
    data[field] = [*_messages(prompt, f"{prefix}prompt", line), {"role": "assistant", "alternatives": alternatives}]
    return data


def _messages(items: list, where: str, line: int) -> list:
    return [_message(item, f"{where}[{index}]", line) if isinstance(item, dict) else item
            for index, item in enumerate(items)]


def _message(item: dict, where: str, line: int) -> dict:
    item = {key: value for key, value in item.items() if value is not None or key == "content"}
    sharegpt = "role" not in item and "from" in item
    if sharegpt:
        item = {"role": item.pop("from"), "content": item.pop("value", None), **item}
    role = item.get("role")
    if isinstance(role, str) and role.lower() in _ROLES:
        item["role"] = _ROLES[role.lower()]
    elif "alternatives" not in item:
        key = "from" if sharegpt else "role"
        raise Invalid(f"row {line}: {where}.{key}: unknown role {role!r}; expected one of "
                      f"{', '.join(sorted(set(_ROLES)))}", field=f"{where}.{key}", line=line)
    if isinstance(item.get("content"), list):
        item["content"] = _text_parts(item["content"], f"{where}.content", line)
    extra = {key: item.pop(key) for key in list(item) if key not in _MESSAGE_KEYS}
    if extra:
        metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        item["metadata"] = {**metadata, **extra}
    return item


def _text_parts(parts: list, where: str, line: int) -> str:
    texts = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
            texts.append(str(part.get("text", "")))
        else:
            kind = part.get("type") if isinstance(part, dict) else type(part).__name__
            raise Invalid(f"row {line}: {where}[{index}]: only text parts can be labeled here, not {kind!r}",
                          field=f"{where}[{index}]", line=line)
    return "\n".join(texts)


def _plain(value: Any) -> Any:
    """Parquet cells as JSON values: dates as ISO text, decimals as numbers, bytes as text."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value

