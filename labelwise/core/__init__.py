"""The services, one sub-package per domain; each takes a Session and owns its transaction (docs/architecture.md).

Importing any service runs this first, which wires the one hook that points up the domain order: a
changed answer (labeling) is followed by consensus, gold and dynamic overlap (review)."""

from labelwise.core.labeling import answer_hooks
from labelwise.core.review import routing

answer_hooks.follow_answers(routing.on_answer_changed)
