"""Write a project's label schema as a Label Studio labeling config (`<View>` XML).

The reverse of `labelstudio_config.convert`, for talking to Label Studio ML backends, which read the
config to learn their `from_name`, `to_name` and labels. Controls Label Studio has no tag for (masks,
tracks, pairwise, ranking, edit) are left out; `left_out` names them. Per-message controls on a chat are
written as Label Studio writes them: `perRegion` inside a `<View whenRole=...>`.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from labelwise.schema import LabelSchema

_OBJECT_TAGS = {"text": "Text", "image": "Image", "audio": "Audio", "video": "Video", "timeseries": "TimeSeries",
                "table": "Table", "paragraphs": "Paragraphs", "pdf": "Image", "chat": "Chat"}
_REGION_TAGS = {"spans": "Labels", "boxes": "RectangleLabels", "polygons": "PolygonLabels",
                "polylines": "PolygonLabels", "keypoints": "KeyPointLabels", "segments": "Labels"}


def to_label_config(schema: LabelSchema) -> tuple[str, list[str]]:
    """The `<View>` XML for `schema`, and the names of controls it could not express."""
    view = Element("View")
    for name, spec in schema.objects.items():
        SubElement(view, _OBJECT_TAGS.get(spec.type, "Text"), name=name, value=f"${spec.field}")
    left_out = []
    for name, spec in schema.controls.items():
        kind = spec.type
        to_name = getattr(spec, "object", None)
        if kind == "choices":
            tag = SubElement(view, "Choices", name=name, toName=to_name,
                             choice="multiple" if spec.multiple else "single")
            for option in spec.options:
                SubElement(tag, "Choice", value=option)
        elif kind == "taxonomy":
            tag = SubElement(view, "Taxonomy", name=name, toName=to_name)
            _taxonomy(tag, spec.options)
        elif kind in _REGION_TAGS:
            tag = SubElement(view, _REGION_TAGS[kind], name=name, toName=to_name)
            for label in spec.labels:
                SubElement(tag, "Label", value=label)
        elif kind == "text":
            SubElement(view, "TextArea", name=name, toName=to_name)
        elif kind == "rating":
            SubElement(view, "Rating", name=name, toName=to_name, maxRating=str(spec.max))
        elif kind == "number":
            SubElement(view, "Number", name=name, toName=to_name)
        elif kind == "relations" and spec.labels:
            tag = SubElement(view, "Relations")
            for label in spec.labels:
                SubElement(tag, "Relation", value=label)
        else:
            left_out.append(name)
            continue
        if getattr(spec, "per_message", False):
            tag = view[-1]  # a chat's messages are Label Studio's regions of a Chat
            tag.set("perRegion", "true")
            if spec.roles:
                view.remove(tag)
                SubElement(view, "View", visibleWhen="region-selected", whenRole=",".join(spec.roles)).append(tag)
    return tostring(view, encoding="unicode"), left_out


def _taxonomy(parent: Element, nodes) -> None:
    for node in nodes:
        _taxonomy(SubElement(parent, "Choice", value=node.value), node.children)
