"""The text of an HTML value, as Label Studio's HyperText counts it for `globalOffsets`: every text node of
the fragment in document order (entities decoded; script and style left out). A span on an `html: true`
text object indexes this text. `text_nodes` also gives each node's XPath, as Label Studio writes them
(`/p[2]/text()[1]`), so that offsets can be turned back into Label Studio's start/end form."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["TextNode", "html_text", "text_nodes", "locate"]

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HIDDEN = {"script", "style", "template"}


@dataclass(frozen=True)
class TextNode:
    xpath: str  # of the text node, e.g. /div[1]/p[2]/text()[1]
    start: int  # its first character in the whole text (code points)
    end: int


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, int]]] = [("", {})]  # (step, children counts by name)
        self.nodes: list[TextNode] = []
        self.parts: list[str] = []
        self.length = 0
        self._last_text_parent: int | None = None  # adjacent data chunks belong to one text node

    def handle_starttag(self, tag: str, attrs) -> None:
        counts = self.stack[-1][1]
        counts[tag] = counts.get(tag, 0) + 1
        self._last_text_parent = None
        if tag not in _VOID:
            self.stack.append((f"{self.stack[-1][0]}/{tag}[{counts[tag]}]", {}))

    def handle_startendtag(self, tag: str, attrs) -> None:
        counts = self.stack[-1][1]
        counts[tag] = counts.get(tag, 0) + 1
        self._last_text_parent = None

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0].rsplit("/", 1)[-1].startswith(f"{tag}["):
                del self.stack[depth:]
                break
        self._last_text_parent = None

    def handle_data(self, data: str) -> None:
        if not data or any(step.rsplit("/", 1)[-1].split("[")[0] in _HIDDEN for step, _ in self.stack[1:]):
            return
        depth = len(self.stack) - 1
        start = self.length
        self.length += len(data)
        self.parts.append(data)
        if self._last_text_parent == depth and self.nodes:
            last = self.nodes[-1]
            self.nodes[-1] = TextNode(last.xpath, last.start, self.length)
            return
        counts = self.stack[-1][1]
        counts["text()"] = counts.get("text()", 0) + 1
        self.nodes.append(TextNode(f"{self.stack[-1][0]}/text()[{counts['text()']}]", start, self.length))
        self._last_text_parent = depth


def _walk(html: str) -> _Walker:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker


def html_text(html: str) -> str:
    """The text content Label Studio's global offsets count in."""
    return "".join(_walk(html).parts)


def text_nodes(html: str) -> list[TextNode]:
    return _walk(html).nodes


def locate(nodes: list[TextNode], offset: int, *, end: bool) -> tuple[str, int]:
    """(XPath, offset inside that text node) of a global offset; an end at a node boundary stays in the node
    before it, a start moves to the node after it."""
    for node in nodes:
        if (node.start <= offset < node.end) or (end and node.start < offset <= node.end):
            return node.xpath, offset - node.start
    if nodes:
        last = nodes[-1]
        return last.xpath, last.end - last.start
    return "/text()[1]", 0
