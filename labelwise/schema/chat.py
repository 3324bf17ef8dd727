"""Conversations: what a `chat` object's value must hold, and how results address its messages.

A chat is a list of messages, or `{"messages": [...], "model"?, "metadata"?}`. A message is
`{"role", "content", "model"?, "name"?, "id"?, "metadata"?, "tool_calls"?, "tool_call_id"?, "createdAt"?}` (Label
Studio's chats carry `createdAt`, a time as a number or text, kept as written) with a
role of system, user, assistant or tool. An assistant turn may instead offer `alternatives`: two or
more candidate responses `{"content", "model"?, "id"?, "metadata"?}` that pairwise and ranking
controls compare. Per-message answers are keyed by the message's index as a decimal string ("3").
"""

from __future__ import annotations

from typing import Any

from labelwise.errors import Invalid

__all__ = ["ROLES", "alternative_ids", "check_chat", "message_index", "message_keyed", "message_text", "messages_of"]

ROLES: tuple[str, ...] = ("system", "user", "assistant", "tool")
_MESSAGE_KEYS = {"role", "content", "model", "name", "id", "metadata", "tool_calls", "tool_call_id", "alternatives",
                 "createdAt"}
_ALTERNATIVE_KEYS = {"content", "model", "id", "metadata"}
_CHAT_KEYS = {"messages", "model", "metadata", "id"}


def messages_of(value: Any) -> list | None:
    """The message list of a chat value (a list, or an object with `messages`), or None."""
    if isinstance(value, dict):
        value = value.get("messages")
    return value if isinstance(value, list) else None


def check_chat(value: Any, *, field: str, line: int | None = None) -> None:
    """Raise `Invalid` naming the row and the field (`data.chat[2].role`) when a chat is malformed."""
    def fail(message: str, where: str) -> Invalid:
        prefix = f"row {line}: " if line is not None else ""
        return Invalid(f"{prefix}{where}: {message}", field=where, line=line)

    if isinstance(value, dict):
        unknown = sorted(set(value) - _CHAT_KEYS)
        if unknown:
            raise fail(f"has unknown key '{unknown[0]}'; a chat object has: {', '.join(sorted(_CHAT_KEYS))}",
                       f"{field}.{unknown[0]}")
        _optional_text(value, "model", field, fail)
        _optional_object(value, "metadata", field, fail)
        if "messages" not in value:
            raise fail("has no 'messages' list", f"{field}.messages")
        field = f"{field}.messages"
    messages = messages_of(value)
    if messages is None:
        raise fail("must be a list of messages ({\"role\", \"content\"}) or an object with 'messages'", field)
    if not messages:
        raise fail("has no messages", field)
    for index, message in enumerate(messages):
        _check_message(message, f"{field}[{index}]", fail)


def message_index(key: Any, messages: list) -> int | None:
    """The message a per-message answer key names ("3" -> 3), or None when no such message exists."""
    if not isinstance(key, str) or not key.isdigit() or (len(key) > 1 and key[0] == "0"):
        return None
    index = int(key)
    return index if index < len(messages) else None


def message_text(message: Any, alternative: int | None = None) -> str | None:
    """The text of a message, or of one of its alternatives; None when there is none."""
    if not isinstance(message, dict):
        return None
    if alternative is not None:
        options = message.get("alternatives")
        if not isinstance(options, list) or not 0 <= alternative < len(options):
            return None
        message = options[alternative]
        if not isinstance(message, dict):
            return None
    content = message.get("content")
    return content if isinstance(content, str) else None


def alternative_ids(message: Any) -> list[str]:
    """The ids of a message's alternatives (their `id`, else their position), [] when it has none."""
    options = message.get("alternatives") if isinstance(message, dict) else None
    if not isinstance(options, list):
        return []
    return [str(o["id"]) if isinstance(o, dict) and "id" in o else str(i) for i, o in enumerate(options)]


def _check_message(message: Any, where: str, fail) -> None:
    if not isinstance(message, dict):
        raise fail("must be a message object with 'role' and 'content'", where)
    unknown = sorted(set(message) - _MESSAGE_KEYS)
    if unknown:
        if unknown[0] in ("from", "value"):
            raise fail("uses ShareGPT keys (from/value); import it with format=chat to convert them", where)
        raise fail(f"has unknown key '{unknown[0]}'; a message has: {', '.join(sorted(_MESSAGE_KEYS))}",
                   f"{where}.{unknown[0]}")
    role = message.get("role")
    if role not in ROLES:
        raise fail(f"the role must be one of {', '.join(ROLES)}, not {role!r}", f"{where}.role")
    for key in ("model", "name", "tool_call_id"):
        _optional_text(message, key, where, fail)
    _optional_object(message, "metadata", where, fail)
    if "createdAt" in message and (isinstance(message["createdAt"], bool)
                                   or not isinstance(message["createdAt"], (int, float, str))):
        raise fail("must be a time (a number or text)", f"{where}.createdAt")
    if "tool_calls" in message and not isinstance(message["tool_calls"], list):
        raise fail("must be a list", f"{where}.tool_calls")
    if "alternatives" in message:
        _check_alternatives(message, where, fail)
        return
    content = message.get("content")
    if content is None and message.get("tool_calls"):
        return
    if not isinstance(content, str):
        raise fail(f"must be text, not {_kind(content)}", f"{where}.content")


def _check_alternatives(message: dict, where: str, fail) -> None:
    options = message["alternatives"]
    if message["role"] != "assistant":
        raise fail("only assistant messages may offer alternatives", f"{where}.alternatives")
    if "content" in message:
        raise fail("has both 'content' and 'alternatives'; the alternatives are the candidate contents",
                   f"{where}.content")
    if not isinstance(options, list) or len(options) < 2:
        raise fail("must be a list of two or more candidate responses", f"{where}.alternatives")
    seen: set[str] = set()
    for index, option in enumerate(options):
        here = f"{where}.alternatives[{index}]"
        if not isinstance(option, dict):
            raise fail("must be an object with 'content'", here)
        unknown = sorted(set(option) - _ALTERNATIVE_KEYS)
        if unknown:
            raise fail(f"has unknown key '{unknown[0]}'; an alternative has: {', '.join(sorted(_ALTERNATIVE_KEYS))}",
                       f"{here}.{unknown[0]}")
        if not isinstance(option.get("content"), str):
            raise fail(f"must be text, not {_kind(option.get('content'))}", f"{here}.content")
        _optional_text(option, "model", here, fail)
        _optional_object(option, "metadata", here, fail)
        if "id" in option and not isinstance(option["id"], (str, int)) or isinstance(option.get("id"), bool):
            raise fail("must be a string or a number", f"{here}.id")
    for index, ident in enumerate(alternative_ids(message)):
        if ident in seen:
            raise fail(f"repeats the id '{ident}'", f"{where}.alternatives[{index}].id")
        seen.add(ident)


def _optional_text(value: dict, key: str, where: str, fail) -> None:
    if key in value and value[key] is not None and not isinstance(value[key], str):
        raise fail(f"must be text, not {_kind(value[key])}", f"{where}.{key}")


def _optional_object(value: dict, key: str, where: str, fail) -> None:
    if key in value and value[key] is not None and not isinstance(value[key], dict):
        raise fail(f"must be an object, not {_kind(value[key])}", f"{where}.{key}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), type(value).__name__)


def message_keyed(schema: Any, control: Any) -> bool:
    """Whether a control's answer is keyed by message index: per-message controls, edits, and pairwise
    or ranking on a chat (one answer per turn with alternatives). Per-page controls on a pdf object
    (`per_page`) are keyed the same way, by page index, so consensus and gold treat both alike."""
    if getattr(control, "per_message", False) or getattr(control, "per_page", False) or control.type == "edit":
        return True
    target = getattr(control, "object", None)
    return control.type in ("pairwise", "ranking") and target in schema.objects and schema.objects[target].type == "chat"
