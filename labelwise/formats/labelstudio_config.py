# Over 400 lines: one converter walking Label Studio's whole tag reference, a short method per tag, and the
# table of every attribute it knows (kept, cosmetic, or reported).
"""Turn a Label Studio XML labeling config into a labelwise schema dict, listing what could not be kept.

Every tag and attribute of Label Studio's tag reference is either converted or named in a warning of
its own (`<Tag name="x">: attribute y="z" ...`). What converts: objects (a `$variable` reads task
data, any other value is fixed text), controls with their labels, colors, hotkeys and limits, labels
and choices listed in task data (`value="$options"`), controls pointing at several objects (region
controls become one control per object, named `<name>_<object>`), per-region answers, conditional
display (`visibleWhen` on a control or a `<View>` around it), Ranker buckets, literal `<Header>`s
(the description of the control that follows, or a fixed text), and `<Image valueList="$pages">` (a
pdf object: a list of page images, whose regions carry `page` = Label Studio's `item_index`), `<Pdf>` (a pdf
object; `perItem` classification on it answers per page, `<Labels>` on it are spans over the text layer)
and `<OcrLabels>` (boxes on the document with a per-region text control for each box's text).

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

__all__ = ["convert", "OBJECT_TAGS", "CONTROL_TAGS"]


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
OBJECT_TAGS = {
    "text": "text",
    "hypertext": "text",
    "header": "text",
    "image": "image",
    "audio": "audio",
    "audioplus": "audio",
    "video": "video",
    "timeseries": "timeseries",
    "paragraphs": "paragraphs",
    "table": "table",
    "list": "paragraphs",
    "chat": "chat",
    "pdf": "pdf",  # a PDF by URL or stored; its pages are rendered by the server (docs/documents.md)
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
    "ocrlabels": "boxes",  # boxes on document pages, each with its text (a per-region text control is added)
}
_CHAT_ROLES = ("system", "user", "assistant", "tool")
# Drawing tools whose labels come from a separate <Labels> on the same object.
_TOOLS = {
    "rectangle": "boxes",
    "polygon": "polygons",
    "keypoint": "keypoints",
    "brush": "masks",
    "magicwand": "masks",
    "videorectangle": "tracks",
}
_UNSUPPORTED_TAGS = {
    "ellipse": "ellipses have no labelwise region type (boxes, polygons, keypoints, masks are)",
    "ellipselabels": "ellipses have no labelwise region type (boxes, polygons, keypoints, masks are)",
    "bitmask": "bitmask regions have no labelwise equivalent; brush masks (run-length) do",
    "bitmasklabels": "bitmask regions have no labelwise equivalent; brush masks (run-length) do",
    "vector": "vector (Bezier) paths have no labelwise equivalent; polylines do",
    "vectorlabels": "vector (Bezier) paths have no labelwise equivalent; polylines do",
    "shortcut": "text shortcuts (insert a snippet into a TextArea) are not supported",
}
CONTROL_TAGS = ({"choices", "taxonomy", "relations", "textarea", "rating", "number", "ranker", "pairwise", "datetime"}
                | set(_REGION_TAGS) | set(_TOOLS) | set(_UNSUPPORTED_TAGS))
# Pure layout and display: nothing to convert, nothing lost for labeling.
_LAYOUT = {"view", "style", "filter", "collapse", "panel"}
# Children read by their parent tag.
_CHILDREN = {"choice", "label", "relation", "bucket", "channel"}
# Attributes that only change how things look or feel, not what is labeled: dropped without a word.
_COSMETIC = {
    "showinline", "layout", "zoom", "zoomcontrol", "rotatecontrol", "brightnesscontrol", "contrastcontrol",
    "strokewidth", "strokecolor", "fillcolor", "fillopacity", "opacity", "pointsize", "pointstyle", "size",
    "icon", "rows", "placeholder", "editable", "showsubmitbutton", "smart", "smartonly", "selectionstyle",
    "showlabels", "sort", "fixedscale", "overviewchannels", "overviewwidth", "height", "width", "maxwidth",
    "minwidth", "horizontalalignment", "verticalalignment", "defaultzoom", "crossorigin", "savetextresult",
    "hidden", "legend", "displayformat", "showtitle", "title", "actions", "contextscroll", "showplayer",
    "timelineheight", "sync", "inline", "background", "requiredmessage", "hint", "style", "classname",
    "highlightcolor", "selectedcolor", "showalias", "aliasstyle", "cursorcolor", "cursorwidth", "waveheight",
    "splitchannels", "volume", "speed", "defaultscale", "hotkey", "muted", "gridsize", "gridcolor", "smoothing",
    "negativezoom", "crosshair", "timedisplayformat", "durationdisplayformat", "units", "unitsformat",
    "showaxis", "markercolor", "markersize", "markersymbol", "showfullpath", "pathseparator", "legacy",
    "clickablelinks", "underline", "skipduplicates", "transcription", "displaymode", "slider", "allowempty",
    "idattr", "html", "snap", "decoration", "showvalue", "dedup", "opacity", "granularity",
}
# Attributes with meaning that labelwise does not keep: why, in the warning.
_NOT_KEPT = {
    "peritem": "per-item answers (one per image of a valueList) are not supported; one answer for the object",
    "maxusages": "usage limits per label are not supported (min/max count regions of the whole control)",
    "defaultvalue": "default values are not supported; the control starts empty",
    "selected": "pre-selected options are not supported; the control starts empty",
    "apiurl": "options loaded from a server are not supported; only inline options are kept",
    "maxsubmissions": "several texts per answer are not supported; one text per answer",
    "encoding": "encoded values (base64) are not decoded; the value is shown as stored",
    "audiourl": "the audio played along with paragraphs is not shown",
    "valuelist": "several media in one object need a plain $variable naming a list of images",
    "isEditable".lower(): "options added by annotators are not supported",
    "labeling": "taxonomy as region labels is not supported; the taxonomy is one answer per task",
    "framerate": "the frame rate comes from the task data (video frame_rate), not the config",
    "allownested": "nested choices are not supported; flat options",
}


class _Converter:
    def __init__(self, root: Element) -> None:
        self._root = root
        self.objects: dict[str, dict] = {}
        self.controls: dict[str, dict] = {}
        self.warnings: list[str] = []
        self._names: dict[str, str] = {}  # Label Studio object name -> ours
        self._tooled: set[str] = set()  # objects drawn on by a tool tag that takes a <Labels>' labels
        self._order: list[tuple[str, str]] = []  # ("object"|"control", our name) in document order
        self._pending_header: str | None = None
        self._per_region: dict[str, tuple[Element, str | None]] = {}  # control -> (element, whenTagName)
        self._region_names: dict[str, list[str]] = {}  # Label Studio control name -> our region controls
        self._conditions: dict[str, tuple[Element, dict[str, str]]] = {}
        self._edits: dict[str, list[str]] = {}  # chat object -> roles its editable attribute allows
        self._roles: list[str] | None = None  # whenRole of the <View> being walked
        self._ocr_boxes: list[str] = []  # boxes controls made from <OcrLabels>: each region carries its text

    def schema(self) -> dict:
        self._flush_header()
        self._resolve_per_region()
        self._ocr_texts()
        self._resolve_conditions()
        regional = [name for name, c in self.controls.items()
                    if ("labels" in c or "labels_field" in c) and c["type"] != "relations"]
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
        if tag in OBJECT_TAGS and tag != "header":
            self._object(element, OBJECT_TAGS[tag])
            return
        for child in element:
            self.collect_objects(child)

    def _object(self, element: Element, kind: str, *, name: str | None = None) -> str | None:
        source = name or element.get("name")
        if not source:
            self.warn(element, "has no name, so no control can point at it; skipped")
            return None
        name = self._own_name(element, source, self.objects)
        spec: dict[str, Any] = {"type": kind}
        value = element.get("value", "")
        tag = element.tag.lower()
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", value):
            if value[1:] != name:
                spec["field"] = value[1:]
        elif kind == "text" and "$" not in value and value:
            spec["literal"] = value  # Label Studio shows a value without a $variable as it is
        elif element.get("valueList") and kind == "image":
            pass  # a list of pages, below
        else:
            self.warn(element, f"value {value!r} is not a plain $variable; reading data[{name!r}] instead")
        handled = {"name", "value", "valuelist"}
        if tag == "hypertext":
            spec["html"] = True  # shown as its text content; spans count in it, as globalOffsets do
            handled.add("clickablelinks")
        if tag == "timeseries":
            spec.update(self._timeseries(element))
            handled |= {"timecolumn", "valuetype", "timeformat", "sep"}
        if tag == "paragraphs":
            for attr, key, default in (("nameKey", "author_key", "author"), ("textKey", "text_key", "text")):
                if element.get(attr, default) != default:
                    spec[key] = element.get(attr)
            handled |= {"namekey", "textkey"}
        if tag == "list":  # Label Studio's List items are {"id", "title", "body"}
            spec.update(author_key="title", text_key="body")
        if tag == "table":
            handled.add("valuetype")
        if tag == "chat":
            self._chat(element, name)
            handled |= {"llm", "messageroles", "minmessages", "maxmessages"}
        listed = element.get("valueList", "")
        if kind == "image" and re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", listed):
            spec = {"type": "pdf", "field": listed[1:]}  # several images paged through: regions carry `page`
            if listed[1:] == name:
                del spec["field"]
        elif listed:
            self.warn(element, f"valueList={listed!r}: {_NOT_KEPT['valuelist']}")
        self._attributes(element, handled)
        self._names[source] = name
        self.objects[name] = spec
        self._order.append(("object", name))
        return name

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
        if element.get("timeFormat"):
            self.warn(element, f"timeFormat={element.get('timeFormat')!r}: times are read as numbers, not parsed")
        if element.get("sep") not in (None, ","):
            self.warn(element, f"sep={element.get('sep')!r}: CSV series are read with ','")
        channels = []
        for child in element:
            if child.tag.lower() == "channel" and child.get("column"):
                channels.append(child.get("column"))
                self._attributes(child, {"column"})
        if channels:
            spec["channels"] = list(dict.fromkeys(channels))
        return spec

    # --- controls --------------------------------------------------------------------------------

    def collect_controls(self) -> None:
        for node in self._root.iter():
            for target in (node.get("toName") or "").split(","):
                if node.tag.lower() in _TOOLS and target.strip() in self._names:
                    self._tooled.add(self._names[target.strip()])
        self._walk_controls(self._root, None)
        for chat, roles in self._edits.items():
            spec: dict[str, Any] = {"type": "edit", "object": chat}
            if roles != ["assistant"]:
                spec["roles"] = roles
            self.controls[self._own_name(self._root, f"{chat}_edit", self.controls)] = spec

    def _walk_controls(self, element: Element, condition: dict[str, str] | None) -> None:
        tag = element.tag.lower()
        own = self._condition_of(element) or condition
        handler = _CONTROL_HANDLERS.get(tag)
        before = set(self.controls)
        if handler is not None:
            handler(self, element)
        elif tag in _REGION_TAGS:
            self._regions(element, _REGION_TAGS[tag])
        elif tag in _UNSUPPORTED_TAGS:
            self.warn(element, f"{element.tag} is not supported: {_UNSUPPORTED_TAGS[tag]}; skipped")
        elif tag == "header":
            self._header(element)
        elif tag in OBJECT_TAGS or tag in _CHILDREN:
            pass
        elif tag in _LAYOUT:
            if tag == "view":  # the other layout tags only arrange and filter what is shown
                self._attributes(element, {"name", "visiblewhen", "whentagname", "whenchoicevalue", "whenlabelvalue",
                                           "whenrole"})
            outer = self._roles
            if tag == "view" and element.get("whenRole"):  # Label Studio's role-based evaluation of chat messages
                self._roles = [r.strip() for r in element.get("whenRole").split(",") if r.strip() in _CHAT_ROLES]
            try:
                for child in element:
                    self._walk_controls(child, own)
            finally:
                self._roles = outer
        else:
            self.warn(element, f"{element.tag} is not a Label Studio tag this converter knows; skipped")
        for name in self.controls:  # inner conditions were recorded first and win
            if name not in before and own and name not in self._conditions:
                self._conditions[name] = (element, own)

    def _header(self, element: Element) -> None:
        value = element.get("value", "") or (element.text or "").strip()
        self._attributes(element, {"value", "name"})
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", value):
            self._object(element, "text", name=element.get("name") or "header")
        elif value:
            self._flush_header()
            self._pending_header = value  # the description of the next control, or else a fixed text

    def _flush_header(self) -> None:
        """A header no control took as its description stays on the page as a fixed text."""
        if self._pending_header is not None:
            name = self._own_name(self._root, "header", self.objects, quiet=True)
            self.objects[name] = {"type": "text", "literal": self._pending_header}
            self._pending_header = None

    def _start(self, element: Element, kind: str, *, target: str | None = None,
               suffix: str | None = None) -> tuple[str, dict] | None:
        """Common part of every control: its name, `object`, `required`, `description`."""
        source = element.get("name")
        if not source:
            self.warn(element, "has no name; skipped")
            return None
        targets = [t.strip() for t in (element.get("toName") or "").split(",") if t.strip()]
        if target is None:
            if not targets:
                target = self._nearest_object(element)
                if target is None:
                    self.warn(element, "has no toName and there is no object to attach it to; skipped")
                    return None
            else:
                target = targets[0]
        if target not in self._names:
            self.warn(element, f"toName {element.get('toName')!r} is not a supported object; skipped")
            return None
        spec: dict[str, Any] = {"type": kind, "object": self._names[target]}
        if element.get("required", "").lower() == "true":
            spec["required"] = True
        if self._pending_header:
            spec["description"] = self._pending_header
            self._pending_header = None
        elif element.get("hint"):
            spec["description"] = element.get("hint")
        per_message = (kind in ("choices", "text", "rating", "number") and element.get("perRegion", "").lower() == "true"
                       and self.objects[spec["object"]]["type"] == "chat")
        if per_message:  # a chat's regions are its messages
            spec["per_message"] = True
            roles = self._roles or [r.strip() for r in (element.get("whenRole") or "").split(",")
                                    if r.strip() in _CHAT_ROLES]
            if roles:
                spec["roles"] = roles
        if (kind in ("choices", "text", "rating", "number") and element.get("perItem", "").lower() == "true"
                and self.objects[spec["object"]]["type"] == "pdf"):
            spec["per_page"] = True  # one answer per page of the document, as perItem is per image of a list
        if suffix is not None:  # one control per object of toName="a,b": the others are <name>_<object>
            return self._own_name(element, f"{self._clean(source)}_{suffix}", self.controls, quiet=True), spec
        return self._own_name(element, source, self.controls), spec

    def _nearest_object(self, element: Element) -> str | None:
        """Label Studio lets a per-task control such as Rating leave out toName: the object before it."""
        last = None
        for node in self._root.iter():
            if node is element:
                break
            if node.tag.lower() in OBJECT_TAGS and node.get("name") in self._names:
                last = node.get("name")
        return last or next(iter(self._names), None)

    def _add(self, element: Element, name: str, spec: dict, handled: set[str]) -> None:
        if spec.get("per_page"):
            handled = handled | {"peritem"}
        self._attributes(element, handled | {"name", "toname", "required", "perregion", "visiblewhen",
                                             "whentagname", "whenchoicevalue", "whenlabelvalue", "whenrole"})
        if element.get("perRegion", "").lower() == "true" and not spec.get("per_message"):
            self._per_region[name] = (element, element.get("whenTagName"))
        self.controls[name] = spec
        self._order.append(("control", name))

    def _choices(self, element: Element) -> None:
        started = self._start(element, "choices")
        if started is None:
            return
        name, spec = started
        options, hotkeys = self._named_children(element, "choice")
        dynamic = element.get("value", "")
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", dynamic):
            spec["options_field"] = dynamic[1:]
        elif dynamic:
            self.warn(element, f"value {dynamic!r} is not a $variable naming a list of options; ignored")
        if not options and "options_field" not in spec:
            self.warn(element, "has no <Choice> values; skipped")
            return
        spec["options"] = options
        if element.get("choice") == "multiple":
            spec["multiple"] = True
        if hotkeys:
            spec["hotkeys"] = hotkeys
        self._add(element, name, spec, {"choice", "value"})

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
        handled = {"leafsonly"}
        usages = element.get("maxUsages", "")
        if usages.isdigit() and int(usages) > 0:
            spec["max"] = int(usages)  # Taxonomy's maxUsages caps the selected paths
            handled.add("maxusages")
        self._add(element, name, spec, handled)

    def _tree(self, element: Element) -> list:
        nodes, seen = [], set()
        for child in element:
            if child.tag.lower() != "choice":
                continue
            value = child.get("alias") or child.get("value")
            if not value or value in seen:
                continue
            seen.add(value)
            self._attributes(child, {"value", "alias"})
            children = self._tree(child)
            nodes.append({value: children} if children else value)
        return nodes

    def _regions(self, element: Element, kind: str | None) -> None:
        targets = [t.strip() for t in (element.get("toName") or "").split(",") if t.strip()] or [None]
        made = []
        for target in targets:
            name = self._region_control(element, kind, target, first=target == targets[0])
            if name:
                made.append(name)
        self._region_names[element.get("name", "")] = made
        if element.tag.lower() == "ocrlabels":
            self._ocr_boxes += made

    def _region_control(self, element: Element, kind: str | None, target: str | None, *, first: bool) -> str | None:
        ours = self._names.get(target or "")
        target_type = self.objects[ours]["type"] if ours else None
        if kind is None:  # plain <Labels>: its target decides
            if ours in self._tooled:
                return None  # the labels of a drawing tool on the same object, merged there
            if target_type in ("text", "paragraphs", "chat", "pdf"):
                kind = "spans"  # on a pdf: spans over a page's text layer
            elif target_type in ("audio", "video", "timeseries"):
                kind = "segments"
            elif target_type is not None:
                self.warn(element, f"Labels on a {target_type} object need a drawing tool; skipped")
                return None
            else:
                kind = "segments"  # unknown target: _start reports it
        started = self._start(element, kind, target=target or "", suffix=None if first else ours)
        if started is None:
            return None
        name, spec = started
        labels, hotkeys = self._named_children(element, "label")
        dynamic = element.get("value", "")
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", dynamic) and kind != "keypoints":
            spec["labels_field"] = dynamic[1:]
        elif dynamic:
            self.warn(element, f"value {dynamic!r}: labels from task data need a plain $variable; ignored")
        if not labels and "labels_field" not in spec:
            self.warn(element, "has no <Label> values; skipped")
            return None
        self._label_options(element, spec, labels, hotkeys)
        self._finish_regions(element, kind, spec)
        handled = {"value", "canrotate", "choice"}
        if element.get("choice") == "multiple":
            self.warn(element, "choice=\"multiple\": a region has one label here; the first label is kept")
        if first:
            self._add(element, name, spec, handled)
        else:
            self.controls[name] = spec
            self._order.append(("control", name))
        return name

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
        to_name = element.get("toName")
        labels_tag = next(
            (n for n in self._root.iter() if n.tag.lower() == "labels" and to_name in (n.get("toName") or "").split(",")),
            None,
        )
        labels, hotkeys = self._named_children(labels_tag, "label") if labels_tag is not None else ([], {})
        if labels_tag is not None:
            self._attributes(labels_tag, {"name", "toname"})
        if not labels:
            labels = ["object"]
            self.warn(element, "no <Labels> point at the same object; regions get the single label 'object'")
        self._label_options(element if labels_tag is None else labels_tag, spec, labels, hotkeys)
        self._finish_regions(element, kind, spec)
        if labels_tag is not None:
            self._region_names[labels_tag.get("name", "")] = [name]
        self._add(element, name, spec, {"canrotate"})

    def _relations(self, element: Element) -> None:
        source = element.get("name") or "relations"
        labels, colors = [], {}
        for child in element:
            if child.tag.lower() == "relation" and child.get("value") and child.get("value") not in labels:
                labels.append(child.get("value"))
                if child.get("background") and _is_color(child.get("background")):
                    colors[child.get("value")] = child.get("background")
                self._attributes(child, {"value"})
        spec: dict[str, Any] = {"type": "relations"}
        if labels:
            spec["labels"] = labels
        if colors:
            spec["colors"] = colors
        if element.get("choice") == "multiple":
            self.warn(element, "choice=\"multiple\": a relation has one label here; the first label is kept")
        self._attributes(element, {"name", "choice"})
        name = self._own_name(element, source, self.controls)
        self.controls[name] = spec
        self._order.append(("control", name))

    def _textarea(self, element: Element) -> None:
        started = self._start(element, "text")
        if started is None:
            return
        name, spec = started
        handled = {"maxlength"}
        if element.get("maxLength", "").isdigit() and int(element.get("maxLength")) > 0:
            spec["max_length"] = int(element.get("maxLength"))
        if element.get("value"):
            self.warn(element, f"value {element.get('value')!r}: {_NOT_KEPT['defaultvalue']}")
            handled.add("value")
        self._add(element, name, spec, handled)

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
        self._add(element, name, spec, {"maxrating"})

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
        self._add(element, name, spec, {"min", "max", "step"})

    def _datetime(self, element: Element) -> None:
        started = self._start(element, "datetime")
        if started is None:
            return
        name, spec = started
        parts = {p.strip().lower() for p in (element.get("only") or "").split(",") if p.strip()}
        kinds = {frozenset(): "datetime", frozenset({"date", "time"}): "datetime", frozenset({"date"}): "date",
                 frozenset({"time"}): "time", frozenset({"month"}): "month", frozenset({"year"}): "year"}
        kind = kinds.get(frozenset(parts))
        if kind is None:
            kind = "datetime"
            self.warn(element, f"only={element.get('only')!r}: this combination of parts is asked as a date and time")
        if kind != "datetime":
            spec["format"] = kind
        for attr in ("min", "max"):
            if element.get(attr):
                spec[attr] = element.get(attr)
        self._add(element, name, spec, {"only", "min", "max", "format"})

    def _ranker(self, element: Element) -> None:
        started = self._start(element, "ranking")
        if started is None:
            return
        name, spec = started
        if self.objects[spec["object"]]["type"] != "paragraphs":
            self.warn(element, "Ranker must point at a List; skipped")
            return
        buckets = []
        for child in element:
            if child.tag.lower() == "bucket" and child.get("name"):
                bucket = {"name": child.get("name")}
                if child.get("title"):
                    bucket["title"] = child.get("title")
                if child.get("default", "").lower() == "true":
                    spec["default_bucket"] = child.get("name")
                buckets.append(bucket)
                self._attributes(child, {"name", "title", "default"})
        if buckets:
            spec["buckets"] = buckets
        self._add(element, name, spec, set())

    def _pairwise(self, element: Element) -> None:
        source = element.get("name")
        targets = [self._names.get(t.strip()) for t in (element.get("toName") or "").split(",")]
        if not source or len(targets) != 2 or None in targets or targets[0] == targets[1]:
            self.warn(element, "needs a name and toName naming two different objects; skipped")
            return
        self._attributes(element, {"name", "toname", "leftclassname", "rightclassname"})
        name = self._own_name(element, source, self.controls)
        self.controls[name] = {"type": "pairwise", "objects": targets}
        self._order.append(("control", name))

    # --- links resolved once every control is known ------------------------------------------------

    def _resolve_per_region(self) -> None:
        for name, (element, when_tag) in self._per_region.items():
            spec = self.controls.get(name)
            if spec is None:
                continue
            regional = [other for other, c in self.controls.items()
                        if c.get("object") == spec["object"] and ("labels" in c or "labels_field" in c)
                        and c["type"] != "relations"]
            if when_tag and self._region_names.get(when_tag):
                regional = [n for n in self._region_names[when_tag] if n in self.controls] or regional
            if not regional:
                self.warn(element, "perRegion needs a region control on the same object; converted to one answer "
                                   "per task")
                continue
            spec.update(per_region=True, regions_of=regional[0] if len(regional) == 1 else regional)

    def _ocr_texts(self) -> None:
        """Each OcrLabels region holds its recognised text: a per-region text control `<name>_text`, unless a
        TextArea perRegion already answers for those regions."""
        answered = {region for spec in self.controls.values() if spec["type"] == "text" and spec.get("per_region")
                    for region in ([spec["regions_of"]] if isinstance(spec["regions_of"], str) else spec["regions_of"])}
        for name in self._ocr_boxes:
            if name in self.controls and name not in answered:
                text = self._own_name(self._root, f"{name}_text", self.controls, quiet=True)
                self.controls[text] = {"type": "text", "object": self.controls[name]["object"], "per_region": True,
                                       "regions_of": name}

    def _condition_of(self, element: Element) -> dict[str, str] | None:
        when = element.get("visibleWhen")
        if not when:
            return None
        return {"when": when, "tag": element.get("whenTagName", ""),
                "values": element.get("whenChoiceValue") or element.get("whenLabelValue") or ""}

    def _resolve_conditions(self) -> None:
        for name, (element, cond) in self._conditions.items():
            spec = self.controls.get(name)
            if spec is None:
                continue
            when, tag, values = cond["when"], cond["tag"], [v.strip() for v in cond["values"].split(",") if v.strip()]
            if spec.get("per_message") and when == "region-selected":
                continue  # a per-message control is shown for the selected message anyway
            target = self._condition_target(name, tag, when)
            what = f"visibleWhen={when!r}" + (f" whenTagName={tag!r}" if tag else "")
            if when in ("choice-selected", "region-selected") and target is None:
                self.warn(element, f"{what}: no control {tag or 'to watch'!r} was converted; the control is "
                                   "always shown")
                continue
            if when == "choice-selected":
                spec["visible_when"] = {"control": target, **({"values": values} if values else {})}
            elif when == "region-selected":
                spec["visible_when"] = {"control": target, **({"values": values} if values else {})}
                if not spec.get("per_region"):
                    self.warn(element, f"{what}: shown while a region{' labeled ' + ', '.join(values) if values else ''}"
                                       f" of '{target}' exists, not only while one is selected")
            elif when == "no-region-selected":
                self.warn(element, f"{what}: the control is always shown, also while a region is selected")
            else:  # choice-unselected and anything newer
                self.warn(element, f"{what}: this condition is not supported; the control is always shown")

    def _condition_target(self, name: str, tag: str, when: str) -> str | None:
        if tag:
            made = self._region_names.get(tag)
            if made:
                return made[0] if made[0] in self.controls else None
            ours = self._clean(tag)
            return ours if ours in self.controls and ours != name else None
        want = ("choices", "taxonomy") if when == "choice-selected" else None
        candidates = [n for n, c in self.controls.items() if n != name and (
            c["type"] in want if want else ("labels" in c or "labels_field" in c) and c["type"] != "relations")]
        return candidates[0] if len(candidates) == 1 else None

    # --- helpers ---------------------------------------------------------------------------------

    def _named_children(self, element: Element, tag: str) -> tuple[list[str], dict[str, str]]:
        """Values of <Label>/<Choice> children (their alias when set: Label Studio's results hold the alias)."""
        values: list[str] = []
        hotkeys: dict[str, str] = {}
        for child in element.iter():
            if child.tag.lower() != tag or not child.get("value"):
                continue
            value = child.get("alias") or child.get("value")
            if value in values:
                continue
            values.append(value)
            if child.get("hotkey") and child.get("hotkey") not in hotkeys.values():
                hotkeys[value] = child.get("hotkey")
            if child.get("alias"):
                self.warn(child, f"alias {child.get('alias')!r} becomes the {tag} (Label Studio's results hold the "
                                 f"alias); the shown text {child.get('value')!r} is not kept")
            self._attributes(child, {"value", "alias"})
        return values, hotkeys

    def _label_options(self, element: Element, spec: dict, labels: list[str], hotkeys: dict[str, str]) -> None:
        spec["labels"] = labels
        colors = {}
        for child in element.iter():
            value, color = child.get("alias") or child.get("value"), child.get("background")
            if child.tag.lower() != "label" or value not in labels or not color:
                continue
            color = _hex(color)
            if _is_color(color):
                colors[value] = color
            else:
                self.warn(element, f"color {color!r} of label {value!r} is not a #hex or CSS name; dropped")
        if colors:
            spec["colors"] = colors
        valid = {k: v for k, v in hotkeys.items() if re.fullmatch(r"(?:(?:ctrl|alt|shift|meta)\+)*[^\s+]", v)}
        if valid:
            spec["hotkeys"] = valid

    def _clean(self, source: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", source)
        return name if re.match(r"[A-Za-z_]", name) else f"_{name}"

    def _own_name(self, element: Element, source: str, taken: dict, *, quiet: bool = False) -> str:
        name = base = self._clean(source)
        number = 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        if name != source and not quiet:
            self.warn(element, f"renamed to '{name}' (names use letters, digits, '_' and '-')")
        return name

    def _attributes(self, element: Element, handled: set[str]) -> None:
        for attr in element.attrib:
            key = attr.lower()
            if key in handled or key in _COSMETIC or (key == "maxsubmissions" and element.get(attr) == "1"):
                continue
            why = _NOT_KEPT.get(key, "not supported")
            self.warn(element, f"attribute {attr}={element.get(attr)!r}: {why}; ignored")


def _hex(color: str) -> str:
    """rgb()/rgba() as #rrggbb(aa), the form schemas take; anything else unchanged."""
    match = re.fullmatch(r"\s*rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)\s*", color)
    if not match or any(int(part) > 255 for part in match.groups()[:3]):
        return color
    alpha = match.group(4)
    tail = "" if alpha is None else f"{round(min(1.0, float(alpha)) * 255):02x}"
    return "#" + "".join(f"{int(part):02x}" for part in match.groups()[:3]) + tail


def _is_color(color: str) -> bool:
    return bool(re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]+", color))


_CONTROL_HANDLERS = {
    "choices": _Converter._choices,
    "taxonomy": _Converter._taxonomy,
    "relations": _Converter._relations,
    "textarea": _Converter._textarea,
    "rating": _Converter._rating,
    "number": _Converter._number,
    "ranker": _Converter._ranker,
    "pairwise": _Converter._pairwise,
    "datetime": _Converter._datetime,
    **{tool: _Converter._tool for tool in _TOOLS},
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
