"""Checks of answers keyed by chat message: `{"<message index>": answer}` (see `schema.chat`).

Per-message choices, ratings, numbers and texts check each answer as the plain control would; edits
must name a message of an allowed role and change it; pairwise and ranking answer a turn that offers
alternatives (two for pairwise, every alternative ranked for ranking).
"""

from __future__ import annotations

from typing import Any, Callable

from labelwise.schema._checking import _Here, _kind
from labelwise.schema.chat import alternative_ids, message_index, message_text, messages_of
from labelwise.schema.specs import EditControl, PairwiseControl, RankingControl

__all__ = ["check_by_message"]


def check_by_message(here: _Here, value: Any, check_one: Callable[[_Here, Any], Any]) -> dict[str, Any]:
    """Check `{"<message index>": answer}`; `check_one` checks one answer of a per-message control."""
    if not isinstance(value, dict):
        raise here.fail(f"answers per message: an object of message index to answer ({{\"3\": ...}}), not {_kind(value)}")
    messages = messages_of(here.object_value())
    if messages is None:
        spec = here.ctx.schema.objects[here.control.object]
        raise here.fail(f"the task data has no chat under '{spec.field}'", f"data.{spec.field}")
    out: dict[str, Any] = {}
    for key, answer in value.items():
        where = f"{here.path}.{key}"
        index = message_index(key, messages)
        if index is None:
            raise here.fail(f"'{key}' is not a message of this chat; messages are 0..{len(messages) - 1}", where)
        message = messages[index]
        if answer is None:
            continue
        at = _Here(here.name, here.control, where, here.ctx)
        control = here.control
        if isinstance(control, PairwiseControl):
            out[key] = _turn(at, message, index, answer, pairwise=True)
        elif isinstance(control, RankingControl):
            out[key] = _turn(at, message, index, answer, pairwise=False)
        else:
            roles = control.roles or ("system", "user", "assistant", "tool")
            if message.get("role") not in roles:
                raise at.fail(f"message {index} is a {message.get('role')} message; this control asks about "
                              f"{', '.join(roles)} messages")
            if isinstance(control, EditControl):
                edited = _edit(at, message, index, answer)
                if edited is not None:
                    out[key] = edited
            else:
                out[key] = check_one(at, answer)
    return {key: out[key] for key in sorted(out, key=int)}


def _turn(here: _Here, message: dict, index: int, answer: Any, *, pairwise: bool) -> Any:
    ids = alternative_ids(message)
    if len(ids) < 2:
        raise here.fail(f"message {index} offers no alternatives to compare")
    if pairwise:
        if len(ids) != 2:
            raise here.fail(f"message {index} offers {len(ids)} alternatives; pairwise compares exactly two "
                            "(use a ranking control for more)")
        allowed = ("a", "b", "tie") if here.control.allow_tie else ("a", "b")
        if not isinstance(answer, str) or answer not in allowed:
            raise here.fail(f"expects one of {', '.join(repr(a) for a in allowed)}, not {answer!r}")
        return answer
    if not isinstance(answer, list):
        raise here.fail(f"expects a list of alternative ids, best first, not {_kind(answer)}")
    seen: set[str] = set()
    for position, item in enumerate(answer):
        if not isinstance(item, str) or item not in ids:
            raise here.fail(f"{item!r} is not an alternative of message {index} ({', '.join(ids)})",
                            f"{here.path}[{position}]")
        if item in seen:
            raise here.fail(f"alternative '{item}' is ranked twice", f"{here.path}[{position}]")
        seen.add(item)
    missing = [i for i in ids if i not in seen]
    if missing:
        raise here.fail(f"the ranking leaves out {', '.join(repr(m) for m in missing)}; rank every alternative")
    return list(answer)


def _edit(here: _Here, message: dict, index: int, answer: Any) -> str | None:
    control: EditControl = here.control
    original = message_text(message)
    if original is None:
        raise here.fail(f"message {index} has no text content to edit")
    if not isinstance(answer, str):
        raise here.fail(f"expects the edited text, not {_kind(answer)}")
    if not answer.strip():
        raise here.fail("the edited text is empty")
    if control.max_length is not None and len(answer) > control.max_length:
        raise here.fail(f"text is {len(answer)} characters, over the limit of {control.max_length}")
    return None if answer == original else answer  # an unchanged message is no edit
