# Over 400 lines: one converter walking Label Studio's tag set, a short method per tag.
"""Turn a Label Studio XML labeling config into a labelwise schema dict, listing what could not be kept.

The XML is parsed with defusedxml (no entities, no DTDs), since configs come from users.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from labelwise.errors import Invalid
from labelwise.schema import parse_schema
from labelwise.schema.hotkeys import hotkey_conflicts

__all__ = ["convert"]


def convert(xml: str | bytes) -> tuple[dict, list[str]]:
    """Return `(schema_dict, warnings)`; the dict passes `parse_schema`. Raise `Invalid` on bad XML."""
    root = _parse(xml)
    converter = _Converter(root)
    converter.collect_objects(root)
    converter.collect_controls()
    schema = converter.schema()
    try:
        parse_schema(schema)
    except Invalid as exc:
        lost = f"; not converted: {' '.join(converter.warnings)}" if converter.warnings else ""
        raise Invalid(f"the converted config is not a valid schema: {exc.message}{lost}", field=exc.field) from None
    return schema, converter.warnings


# Tag (lower case) -> our object type.
_OBJECTS = {
    "text": "text",
    "hypertext": "text",
    "image": "image",
    "audio": "audio",
    "audioplus": "audio",
    "video": "video",
    "timeseries": "timeseries",
    "paragraphs": "paragraphs",
    "table": "table",
    "list": "paragraphs",
    "chat": "chat",
}
# Tag -> our control type, for tags whose labels are <Label> children.
_REGION_TAGS = {
    "labels": None,  # spans or segments, decided by the object it points at
    "hypertextlabels": "spans",
    "paragraphlabels": "spans",
    "rectanglelabels": "boxes",
    "polygonlabels": "polygons",
    "keypointlabels": "keypoints",
    "brushlabels": "masks",
    "timeserieslabels": "segments",
    "audiolabels": "segments",
    "timelinelabels": "segments",
}
_CHAT_ROLES = ("system", "user", "assistant", "tool")
# Drawing tools whose labels come from a separate <Labels> on the same object.
_TOOLS = {
    "rectangle": "boxes",
    "polygon": "polygons",
    "keypoint": "keypoints",
    "brush": "masks",
    "videorectangle": "tracks",
}
# Pure layout and display: nothing to convert, nothing lost for labeling.
_LAYOUT = {"view", "header", "style", "filter", "collapse", "panel"}
# Attributes read by a handler, or cosmetic ones whose loss does not change what is labeled.
_QUIET_ATTRIBUTES = {
    "showinline", "layout", "zoom", "zoomcontrol", "rotatecontrol", "brightnesscontrol", "contrastcontrol",
    "strokewidth", "strokecolor", "fillcolor", "fillopacity", "opacity", "pointsize", "pointstyle", "size",
    "icon", "rows", "placeholder", "editable", "showsubmitbutton", "granularity", "hotkey", "smart", "smartonly",
    "selectionstyle", "showlabels", "sort", "fixedscale", "overviewchannels", "height", "width", "maxwidth",
    "horizontalalignment", "verticalalignment", "defaultzoom", "crossorigin", "savetextresult", "encoding",
    "hidden", "legend", "displayformat", "showtitle", "title", "actions", "contextscroll", "audiourl",
    "showplayer", "timelineheight", "framerate", "sync", "inline", "canrotate", "choice", "value", "toname",
    "name", "required", "background", "alias", "maxrating", "min", "max", "step", "leafsonly", "perregion",
    "timecolumn", "valuetype", "namekey", "textkey", "column", "sep", "timeformat", "dedup", "apiurl",
    "maxsubmissions", "maxlength",
}


class _Converter:
    def __init__(self, root: Element) -> None:
        self._root = root
        self.objects: dict[str, dict] = {}
        self.controls: dict[str, dict] = {}
        self.warnings: list[str] = []
        self._names: dict[str, str] = {}  # Label Studio object name -> ours
        self._tooled: set[str] = set()  # objects drawn on by a tool tag that takes a <Labels>' labels
        self._edits: dict[str, list[str]] = {}  # chat object -> roles its editable attribute allows
        self._roles: list[str] | None = None  # whenRole of the <View> being walked

    def schema(self) -> dict:
        regional = [name for name, c in self.controls.items() if "labels" in c and c["type"] != "relations"]
        for name, spec in list(self.controls.items()):
            if spec["type"] == "relations" and not regional:
                self.warnings.append(f"<Relations name=\"{name}\">: there are no regions to relate; skipped")
                del self.controls[name]
        # Label Studio lets hotkeys clash across controls and with its own keys; here every label has one
        # key, so a control whose keys clash falls back to the default keys.
        while conflicts := hotkey_conflicts(self.objects, self.controls):
            name, key, message = conflicts[0]
            self.warnings.append(f"control {name!r}: {message}; its hotkeys are dropped for the default keys")
            del self.controls[name]["hotkeys"]
        return {"objects": self.objects, "controls": self.controls}

    def warn(self, element: Element, message: str) -> None:
        self.warnings.append(f"<{element.tag} name=\"{element.get('name', '')}\">: {message}")

    # --- objects ---------------------------------------------------------------------------------

    def collect_objects(self, element: Element) -> None:
        tag = element.tag.lower()
        if tag in _OBJECTS:
            self._object(element, _OBJECTS[tag])
            return
        for child in element:
            self.collect_objects(child)

    def _object(self, element: Element, kind: str) -> None:
        source = element.get("name")
        if not source:
            self.warn(element, "has no name, so no control can point at it; skipped")
            return
        name = self._own_name(element, source, self.objects)
        spec: dict[str, Any] = {"type": kind}
        value = element.get("value", "")
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", value):
            if value[1:] != name:
                spec["field"] = value[1:]
        else:
            self.warn(element, f"value {value!r} is not a plain $variable; reading data[{name!r}] instead")
        tag = element.tag.lower()
        if tag == "hypertext":
            self.warn(element, "HTML is shown as plain text; HyperTextLabels offsets will not line up")
        if tag == "timeseries":
            spec.update(self._timeseries(element))
        if tag == "paragraphs":
            for attr, key, default in (("nameKey", "author_key", "author"), ("textKey", "text_key", "text")):
                if element.get(attr, default) != default:
                    spec[key] = element.get(attr)
        if tag == "list":
            self.warn(element, "a List becomes a paragraphs object; its items need 'id' and 'text' keys")
        if tag == "chat":
            self._chat(element, name)
        if element.get("valueList") is not None:
            self.warn(element, "valueList (several media in one object) is not supported; one value is read")
        self._warn_attributes(element, {"valuelist", "llm", "messageroles", "minmessages", "maxmessages"})
        self._names[source] = name
        self.objects[name] = spec

    def _chat(self, element: Element, name: str) -> None:
        """Chats are shown as imported: an `editable` chat becomes an edit control (a preferred rewrite)."""
        if element.get("llm"):
            self.warn(element, "llm (live replies from a model) is not supported; the imported messages are labeled")
        if any(element.get(a) is not None for a in ("messageroles", "messageRoles", "minMessages", "maxMessages",
                                                     "minmessages", "maxmessages")):
            self.warn(element, "annotators cannot add messages here; messageroles/minMessages/maxMessages are ignored")
        editable = (element.get("editable") or "false").strip().lower()
        if editable == "true":
            self._edits[name] = list(_CHAT_ROLES)
        elif editable != "false":
            roles = [r.strip() for r in editable.split(",") if r.strip()]
            unknown = [r for r in roles if r not in _CHAT_ROLES]
            if unknown:
                self.warn(element, f"editable names unknown roles {', '.join(unknown)}; dropped")
            if [r for r in roles if r in _CHAT_ROLES]:
                self._edits[name] = list(dict.fromkeys(r for r in roles if r in _CHAT_ROLES))

    def _timeseries(self, element: Element) -> dict:
        spec: dict[str, Any] = {}
        if element.get("timeColumn"):
            spec["time_key"] = element.get("timeColumn")
        if element.get("valueType") == "url":
            self.warn(element, "series given as a CSV URL: segments are not bounds-checked")
        channels = [child.get("column") for child in element if child.tag.lower() == "channel" and child.get("column")]
        if channels:
            spec["channels"] = list(dict.fromkeys(channels))
        return spec

    # --- controls --------------------------------------------------------------------------------

    def collect_controls(self) -> None:
        for node in self._root.iter():
            if node.tag.lower() in _TOOLS and node.get("toName") in self._names:
                self._tooled.add(self._names[node.get("toName")])
        self._walk_controls(self._root)
        for chat, roles in self._edits.items():
            spec: dict[str, Any] = {"type": "edit", "object": chat}
            if roles != ["assistant"]:
                spec["roles"] = roles
            self.controls[self._own_name(self._root, f"{chat}_edit", self.controls)] = spec

    def _walk_controls(self, element: Element) -> None:
        tag = element.tag.lower()
        handler = _CONTROL_HANDLERS.get(tag)
        if handler is not None:
            handler(self, element)
            return
        if tag in _REGION_TAGS:
            self._regions(element, _REGION_TAGS[tag])
            return
        if tag not in _LAYOUT and tag not in _OBJECTS and tag != "channel":
            self.warn(element, f"{element.tag} is not supported; skipped")
        if tag in _OBJECTS:
            return
        outer = self._roles
        if tag == "view" and element.get("whenRole"):  # Label Studio's role-based evaluation of chat messages
            self._roles = [r.strip() for r in element.get("whenRole").split(",") if r.strip() in _CHAT_ROLES]
        try:
            for child in element:
                self._walk_controls(child)
        finally:
            self._roles = outer

    def _start(self, element: Element, kind: str) -> tuple[str, dict] | None:
        """Common part of every control: its name, `object`, `required`, `description`."""
        source = element.get("name")
        if not source:
            self.warn(element, "has no name; skipped")
            return None
        target = (element.get("toName") or "").split(",")[0]
        if target not in self._names:
            self.warn(element, f"toName {element.get('toName')!r} is not a supported object; skipped")
            return None
        spec: dict[str, Any] = {"type": kind, "object": self._names[target]}
        if element.get("required", "").lower() == "true":
            spec["required"] = True
        if element.get("hint"):
            spec["description"] = element.get("hint")
        per_message = (kind in ("choices", "text", "rating", "number") and element.get("perRegion", "").lower() == "true"
                       and self.objects[spec["object"]]["type"] == "chat")
        if per_message:  # a chat's regions are its messages
            spec["per_message"] = True
            roles = self._roles or [r.strip() for r in (element.get("whenRole") or "").split(",")
                                    if r.strip() in _CHAT_ROLES]
            if roles:
                spec["roles"] = roles
        for attr in ("visibleWhen", "whenTagName", "whenLabelValue", "whenChoiceValue"):
            if per_message and attr == "visibleWhen" and element.get(attr) == "region-selected":
                continue
            if element.get(attr):
                self.warn(element, f"{attr} (conditional display) is not supported; the control is always shown")
        self._warn_attributes(element, {"hint", "visiblewhen", "whentagname", "whenlabelvalue", "whenchoicevalue",
                                        "whenrole"})
        return self._own_name(element, source, self.controls), spec

    def _choices(self, element: Element) -> None:
        started = self._start(element, "choices")
        if started is None:
            return
        name, spec = started
        options, hotkeys = self._named_children(element, "choice")
        if not options:
            self.warn(element, "has no <Choice> values; skipped")
            return
        spec["options"] = options
        if element.get("choice") == "multiple":
            spec["multiple"] = True
        if hotkeys:
            spec["hotkeys"] = hotkeys
        if element.get("perRegion", "").lower() == "true" and not spec.get("per_message"):
            self.warn(element, "perRegion choices are not supported; converted to one answer per task")
        self.controls[name] = spec

    def _taxonomy(self, element: Element) -> None:
        started = self._start(element, "taxonomy")
        if started is None:
            return
        name, spec = started
        tree = self._tree(element)
        if not tree:
            self.warn(element, "has no <Choice> values; skipped")
            return
        spec["options"] = tree
        if element.get("leafsOnly", "").lower() == "true":
            spec["leaf_only"] = True
        if element.get("apiUrl"):
            self.warn(element, "apiUrl (options loaded from a server) is not supported; only inline options are kept")
        self.controls[name] = spec

    def _tree(self, element: Element) -> list:
        nodes, seen = [], set()
        for child in element:
            value = child.get("value") if child.tag.lower() == "choice" else None
            if not value or value in seen:
                continue
            seen.add(value)
            children = self._tree(child)
            nodes.append({value: children} if children else value)
        return nodes

    def _regions(self, element: Element, kind: str | None) -> None:
        target = self._names.get((element.get("toName") or "").split(",")[0])
        target_type = self.objects[target]["type"] if target else None
        if kind is None:  # plain <Labels>: its target decides
            if target in self._tooled:
                return  # the labels of a drawing tool on the same object, merged there
            if target_type in ("text", "paragraphs", "chat"):
                kind = "spans"
            elif target_type in ("audio", "video", "timeseries"):
                kind = "segments"
            elif target_type is not None:
                self.warn(element, f"Labels on a {target_type} object need a drawing tool; skipped")
                return
            else:
                kind = "segments"  # unknown target: _start reports it
        started = self._start(element, kind)
        if started is None:
            return
        name, spec = started
        labels, hotkeys = self._named_children(element, "label")
        if not labels:
            self.warn(element, "has no <Label> values; skipped")
            return
        self._label_options(element, spec, labels, hotkeys)
        self._finish_regions(element, kind, spec)
        if kind == "spans" and element.tag.lower() == "hypertextlabels":
            self.warn(element, "HyperText offsets (XPath) are not plain-text offsets; old results need rework")
        self.controls[name] = spec

    def _finish_regions(self, element: Element, kind: str, spec: dict) -> None:
        if kind == "boxes" and element.get("canRotate", "true").lower() != "false":
            spec["rotatable"] = True  # Label Studio rectangles rotate unless told not to
        if kind == "keypoints":
            spec["points"] = spec.pop("labels")
            spec["labels"] = ["instance"]
            spec.pop("colors", None)
            spec.pop("hotkeys", None)
            self.warn(element, "key points become one skeleton per instance whose points are the labels (no edges)")

    def _tool(self, element: Element) -> None:
        kind = _TOOLS[element.tag.lower()]
        started = self._start(element, kind)
        if started is None:
            return
        name, spec = started
        labels_tag = next(
            (n for n in self._root.iter() if n.tag.lower() == "labels" and n.get("toName") == element.get("toName")),
            None,
        )
        labels, hotkeys = self._named_children(labels_tag, "label") if labels_tag is not None else ([], {})
        if labels_tag is not None:
            self._warn_attributes(labels_tag, set())
        if not labels:
            labels = ["object"]
            self.warn(element, "no <Labels> point at the same object; regions get the single label 'object'")
        self._label_options(element if labels_tag is None else labels_tag, spec, labels, hotkeys)
        self._finish_regions(element, kind, spec)
        self.controls[name] = spec

    def _relations(self, element: Element) -> None:
        source = element.get("name") or "relations"
        labels = [child.get("value") for child in element if child.tag.lower() == "relation" and child.get("value")]
        spec: dict[str, Any] = {"type": "relations"}
        if labels:
            spec["labels"] = list(dict.fromkeys(labels))
        self._warn_attributes(element, set())
        self.controls[self._own_name(element, source, self.controls)] = spec

    def _textarea(self, element: Element) -> None:
        started = self._start(element, "text")
        if started is None:
            return
        name, spec = started
        if element.get("perRegion", "").lower() == "true" and not spec.get("per_message"):
            regional = [
                other for other, c in self.controls.items()
                if c.get("object") == spec["object"] and c["type"] not in ("relations", "choices", "taxonomy", "text",
                                                                           "rating", "number", "ranking", "pairwise")
            ]
            if regional:
                spec.update(per_region=True, regions_of=regional[0])
            else:
                self.warn(element, "perRegion needs a region control on the same object, defined before it; "
                                   "converted to one text per task")
        if element.get("maxSubmissions") not in (None, "1"):
            self.warn(element, "maxSubmissions above 1 is not supported; one text per answer")
        if element.get("maxLength", "").isdigit():
            spec["max_length"] = int(element.get("maxLength"))
        self.controls[name] = spec

    def _rating(self, element: Element) -> None:
        started = self._start(element, "rating")
        if started is None:
            return
        name, spec = started
        top = element.get("maxRating", "5")
        if top.isdigit() and 1 <= int(top) <= 100:
            spec["max"] = int(top)
        else:
            self.warn(element, f"maxRating {top!r} is not a whole number from 1 to 100; using 5")
        self.controls[name] = spec

    def _number(self, element: Element) -> None:
        started = self._start(element, "number")
        if started is None:
            return
        name, spec = started
        for attr in ("min", "max", "step"):
            raw = element.get(attr)
            if raw is None:
                continue
            try:
                spec[attr] = float(raw)
            except ValueError:
                self.warn(element, f"{attr} {raw!r} is not a number; dropped")
        if spec.get("step", 1) <= 0:
            del spec["step"]
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            self.warn(element, "min is greater than max; both dropped")
            del spec["min"], spec["max"]
        self.controls[name] = spec

    def _ranker(self, element: Element) -> None:
        started = self._start(element, "ranking")
        if started is None:
            return
        name, spec = started
        if self.objects[spec["object"]]["type"] != "paragraphs":
            self.warn(element, "Ranker must point at a List; skipped")
            return
        if any(child.tag.lower() == "bucket" for child in element):
            self.warn(element, "buckets are not supported; the ranking orders all items")
        self.controls[name] = spec

    def _pairwise(self, element: Element) -> None:
        source = element.get("name")
        targets = [self._names.get(t.strip()) for t in (element.get("toName") or "").split(",")]
        if not source or len(targets) != 2 or None in targets or targets[0] == targets[1]:
            self.warn(element, "needs a name and toName naming two different objects; skipped")
            return
        self._warn_attributes(element, set())
        self.controls[self._own_name(element, source, self.controls)] = {"type": "pairwise", "objects": targets}

    def _unsupported(self, element: Element) -> None:
        self.warn(element, f"{element.tag} has no labelwise equivalent; skipped")

    # --- helpers ---------------------------------------------------------------------------------

    def _named_children(self, element: Element, tag: str) -> tuple[list[str], dict[str, str]]:
        values: list[str] = []
        hotkeys: dict[str, str] = {}
        for child in element.iter():
            if child.tag.lower() != tag or not child.get("value") or child.get("value") in values:
                continue
            values.append(child.get("value"))
            if child.get("hotkey") and child.get("hotkey") not in hotkeys.values():
                hotkeys[child.get("value")] = child.get("hotkey")
            if child.get("alias"):
                alias, value = child.get("alias"), child.get("value")
                self.warn(element, f"alias {alias!r} of {value!r} is dropped; results use the value")
        return values, hotkeys

    def _label_options(self, element: Element, spec: dict, labels: list[str], hotkeys: dict[str, str]) -> None:
        spec["labels"] = labels
        colors = {}
        for child in element.iter():
            value, color = child.get("value"), child.get("background")
            if child.tag.lower() != "label" or value not in labels or not color:
                continue
            if re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]+", color):
                colors[value] = color
            else:
                self.warn(element, f"color {color!r} of label {value!r} is not a #hex or CSS name; dropped")
        if colors:
            spec["colors"] = colors
        valid = {k: v for k, v in hotkeys.items() if re.fullmatch(r"(?:(?:ctrl|alt|shift|meta)\+)*[^\s+]", v)}
        if valid:
            spec["hotkeys"] = valid

    def _own_name(self, element: Element, source: str, taken: dict) -> str:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", source)
        if not re.match(r"[A-Za-z_]", name):
            name = f"_{name}"
        base, number = name, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        if name != source:
            self.warn(element, f"renamed to '{name}' (names use letters, digits, '_' and '-')")
        return name

    def _warn_attributes(self, element: Element, handled: set[str]) -> None:
        for attr in element.attrib:
            if attr.lower() not in _QUIET_ATTRIBUTES and attr.lower() not in handled:
                self.warn(element, f"attribute {attr}={element.get(attr)!r} is not supported; ignored")



_CONTROL_HANDLERS = {
    "choices": _Converter._choices,
    "taxonomy": _Converter._taxonomy,
    "relations": _Converter._relations,
    "textarea": _Converter._textarea,
    "rating": _Converter._rating,
    "number": _Converter._number,
    "ranker": _Converter._ranker,
    "pairwise": _Converter._pairwise,
    **{tool: _Converter._tool for tool in _TOOLS},
    "ellipse": _Converter._unsupported,
    "ellipselabels": _Converter._unsupported,
    "datetime": _Converter._unsupported,
    "magicwand": _Converter._unsupported,
}


def _parse(xml: str | bytes) -> Element:
    try:
        return fromstring(xml)
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise Invalid(f"the labeling config is not valid XML: {exc}", field="config", line=line) from None
    except DefusedXmlException as exc:
        message = f"the labeling config uses a forbidden XML feature ({type(exc).__name__})"
        raise Invalid(message, field="config") from None
