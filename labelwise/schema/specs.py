# Over 400 lines: one small immutable class per object and control type, the schema's vocabulary in one place.
"""Label schema specs: the immutable typed objects and controls a parsed schema is made of.

Objects say what a task shows (and which task-data key holds it); controls say what is asked about
which object. `docs/result-shapes.md` lists every type, its options and the result it produces;
`labelwise.schema.parsing` builds a `LabelSchema` from YAML, JSON or a dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, StrictInt, field_serializer

from labelwise.schema.hotkeys import assign_hotkeys

__all__ = [
    "CONTROL_TYPES",
    "OBJECT_TYPES",
    "LabelSchema",
    "ObjectSpec",
    "TextObject",
    "VisibleWhen",
    "RankingBucket",
    "ImageObject",
    "AudioObject",
    "VideoObject",
    "TimeseriesObject",
    "TableObject",
    "ParagraphsObject",
    "PdfObject",
    "DicomObject",
    "ChatObject",
    "PointcloudObject",
    "ControlSpec",
    "RegionControl",
    "ChoicesControl",
    "TaxonomyControl",
    "TaxonomyNode",
    "SpansControl",
    "RelationsControl",
    "BoxesControl",
    "PolygonsControl",
    "PolylinesControl",
    "KeypointsControl",
    "MasksControl",
    "SegmentsControl",
    "TracksControl",
    "CuboidsControl",
    "PointLabelsControl",
    "TextControl",
    "RatingControl",
    "NumberControl",
    "DatetimeControl",
    "RankingControl",
    "PairwiseControl",
    "EditControl",
]


@dataclass(frozen=True)
class LabelSchema:
    """A validated schema: read-only mappings of object and control names to their specs."""

    objects: Mapping[str, ObjectSpec]
    controls: Mapping[str, ControlSpec]

    def to_dict(self) -> dict:
        """Plain JSON-ready dict that `parse_schema` turns back into an equal schema."""
        return {
            "objects": {name: _dump_object(name, spec) for name, spec in self.objects.items()},
            "controls": {
                name: spec.model_dump(mode="json", exclude_defaults=True) for name, spec in self.controls.items()
            },
        }

    def hotkeys(self) -> dict[str, dict[str, str]]:
        """The key of every label and option, one per label across all controls (see `schema.hotkeys`)."""
        return assign_hotkeys(self.objects, self.controls)


# --- object specs ----------------------------------------------------------------------------------

_Name = Annotated[str, Strict(), Field(min_length=1)]
_Number = Annotated[float, Strict()]
_Count = Annotated[StrictInt, Field(ge=0)]


class Spec(BaseModel):
    """Base of every object and control spec: immutable, and unknown keys are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ObjectSpec(Spec):
    """What a task shows; `field` is the task-data key holding its value (default: the object's name)."""

    type: str
    field: _Name
    description: Annotated[str, Strict()] | None = None


class TextObject(ObjectSpec):
    """Value: a string. With `literal`, every task shows that fixed text and needs no task-data key. With
    `html: true` the value is HTML, shown as its text content, which span offsets count in (as Label Studio's
    HyperText `globalOffsets` do; see `schema.html_text`)."""

    type: Literal["text"]
    literal: Annotated[str, Strict()] | None = None
    html: StrictBool = False


class ImageObject(ObjectSpec):
    """Value: a URL, or `{"src", "width", "height"}` (then boxes and points are bounds-checked)."""

    type: Literal["image"]


class AudioObject(ObjectSpec):
    """Value: a URL, or `{"src", "duration"}` in seconds (then segments are bounds-checked)."""

    type: Literal["audio"]


class VideoObject(ObjectSpec):
    """Value: a URL, or `{"src", "width", "height", "duration", "frame_rate", "frames"}`."""

    type: Literal["video"]


class TimeseriesObject(ObjectSpec):
    """Value: `{time_key: [t0, t1, ...], "<channel>": [v0, v1, ...], ...}` or a CSV URL."""

    type: Literal["timeseries"]
    time_key: _Name = "time"
    channels: tuple[_Name, ...] | None = None


class TableObject(ObjectSpec):
    """Value: a record `{"column": value, ...}`; `columns` picks and orders what is shown."""

    type: Literal["table"]
    columns: tuple[_Name, ...] | None = None


class ParagraphsObject(ObjectSpec):
    """Value: a list of items, each a string or `{"id"?, author_key?, text_key}` (dialogue, LLM outputs)."""

    type: Literal["paragraphs"]
    text_key: _Name = "text"
    author_key: _Name = "author"


class PdfObject(ObjectSpec):
    """Value: a stored PDF `{"src", "pages", "page_sizes"}` (pages rendered by the server, sizes in points),
    or a list of page images, each a URL or `{"src", "width", "height"}`."""

    type: Literal["pdf"]


class DicomObject(ObjectSpec):
    """Value: a stored volume `{"src", "width", "height", "slices", "spacing": [x, y, z] mm, "modality",
    "window": [center, width], "affine"}` (a DICOM series or NIfTI file imported; slices rendered by the
    server; `affine` maps voxel (x, y, z) to patient LPS millimetres).
    Regions on it carry `slice` (an axial slice index from 0) and pixel coordinates on that slice."""

    type: Literal["dicom"]


class ChatObject(ObjectSpec):
    """Value: a list of messages `{"role", "content", ...}` or `{"messages": [...]}` (see `schema.chat`)."""

    type: Literal["chat"]


class PointcloudObject(ObjectSpec):
    """Value: a LIDAR sweep, a URL or a stored file `{"src", "points"}` (KITTI .bin, PCD, PLY, LAS/LAZ), or a
    sequence for tracking, `{"frames": [sweep, ...]}`; the server decodes stored files (see
    `docs/point_clouds.md`). `color_by` is how points are coloured at first (the viewer's c key toggles)."""

    type: Literal["pointcloud"]
    color_by: Literal["height", "intensity"] = "height"


OBJECT_CLASSES: dict[str, type[ObjectSpec]] = {
    "text": TextObject,
    "image": ImageObject,
    "audio": AudioObject,
    "video": VideoObject,
    "timeseries": TimeseriesObject,
    "table": TableObject,
    "paragraphs": ParagraphsObject,
    "pdf": PdfObject,
    "chat": ChatObject,
    "pointcloud": PointcloudObject,
    "dicom": DicomObject,
}
OBJECT_TYPES: tuple[str, ...] = tuple(OBJECT_CLASSES)


# --- control specs ---------------------------------------------------------------------------------

_ColorMap = dict[_Name, _Name] | None
_Role = Literal["system", "user", "assistant", "tool"]
_HotkeyMap = dict[_Name, _Name] | None


class VisibleWhen(Spec):
    """Show a control only while another one is answered: `control` has an answer, and when `values` is
    given, one of them is among its chosen options (choices, taxonomy steps) or its regions' labels.
    A hidden control is not required."""

    control: _Name
    values: tuple[_Name, ...] | None = None


class ControlSpec(Spec):
    """What is asked. `object_types` lists the object types it may apply to (None: any)."""

    object_types: ClassVar[tuple[str, ...] | None] = None
    type: str
    required: StrictBool = False
    description: Annotated[str, Strict()] | None = None
    visible_when: VisibleWhen | None = None


class ObjectControl(ControlSpec):
    """A control asked about one object, named by `object`."""

    object: _Name


class PerRegionMixin(Spec):
    """`per_region: true` asks the control once per region of the region control `regions_of` (or of
    each control it lists); the answer is then `{region id: value}`."""

    per_region: StrictBool = False
    regions_of: _Name | tuple[_Name, ...] | None = None

    def region_controls(self) -> tuple[str, ...]:
        """The controls whose regions this control answers for (none unless per_region)."""
        if self.regions_of is None:
            return ()
        return (self.regions_of,) if isinstance(self.regions_of, str) else tuple(self.regions_of)


class RegionControl(ObjectControl):
    """A control whose result is a list of regions, each with an `id` and a `label`. `labels_field`
    names a task-data key whose list adds labels per task (strings or `{"value": ...}`)."""

    labels: tuple[_Name, ...] = ()
    labels_field: _Name | None = None
    colors: _ColorMap = None
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class MessageScoped(Spec):
    """Options of a control that may be asked once per message of a chat (`per_message: true`), then
    answered `{"<message index>": value}`; `roles` limits the messages it is asked about."""

    per_message: StrictBool = False
    roles: tuple[_Role, ...] | None = None


class PageScoped(Spec):
    """Options of a control that may be asked once per page of a pdf object (`per_page: true`), then
    answered `{"<page index>": value}` (0-based, as regions' `page`)."""

    per_page: StrictBool = False


class ChoicesControl(PerRegionMixin, ObjectControl, MessageScoped, PageScoped):
    """`options_field` names a task-data key whose list adds options per task (strings or `{"value": ...}`)."""

    type: Literal["choices"]
    options: tuple[_Name, ...] = ()
    options_field: _Name | None = None
    multiple: StrictBool = False
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class TaxonomyNode(Spec):
    value: _Name
    children: tuple[TaxonomyNode, ...] = ()


class TaxonomyControl(PerRegionMixin, ObjectControl):
    type: Literal["taxonomy"]
    options: tuple[TaxonomyNode, ...] = Field(min_length=1)
    multiple: StrictBool = True
    leaf_only: StrictBool = False
    min: _Count | None = None
    max: _Count | None = None

    @field_serializer("options")
    def _friendly_tree(self, options: tuple[TaxonomyNode, ...]) -> list:
        return [_dump_node(node) for node in options]


class SpansControl(RegionControl):
    object_types = ("text", "paragraphs", "chat", "pdf")
    type: Literal["spans"]
    allow_overlap: StrictBool = True


class BoxesControl(RegionControl):
    object_types = ("image", "pdf", "video", "dicom")
    type: Literal["boxes"]
    rotatable: StrictBool = False


class PolygonsControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["polygons"]


class PolylinesControl(RegionControl):
    """On a dicom object each polyline also gets `length_mm`, its length in millimetres from the pixel spacing."""

    object_types = ("image", "pdf", "dicom")
    type: Literal["polylines"]


class KeypointsControl(RegionControl):
    object_types = ("image", "pdf")
    type: Literal["keypoints"]
    points: tuple[_Name, ...] = Field(min_length=1)
    skeleton: tuple[tuple[_Name, _Name], ...] = ()


class MasksControl(RegionControl):
    """On a dicom object a mask is one label on one axial `slice`; a label's masks over all slices make
    its 3D label volume (run-length encoded slice by slice)."""

    object_types = ("image", "pdf", "dicom")
    type: Literal["masks"]


class SegmentsControl(RegionControl):
    object_types = ("audio", "video", "timeseries")
    type: Literal["segments"]
    allow_overlap: StrictBool = True


class TracksControl(RegionControl):
    """Boxes on a video's keyframes, or cuboids on a point-cloud sequence's keyframes (`pitch_roll` as for
    cuboids), interpolated between keyframes."""

    object_types = ("video", "pointcloud")
    type: Literal["tracks"]
    pitch_roll: StrictBool = False


class CuboidsControl(RegionControl):
    """3D boxes in a point cloud: centre `x, y, z`, size `length, width, height`, heading `yaw` (radians,
    about z); `pitch` and `roll` only with `pitch_roll: true`; `frame` on a sequence."""

    object_types = ("pointcloud",)
    type: Literal["cuboids"]
    pitch_roll: StrictBool = False


class PointLabelsControl(RegionControl):
    """Semantic labels on the points of a point cloud: each region is one label's set of points, as runs of
    point indices `[[start, length], ...]` in the sweep's order (`frame` on a sequence); where regions
    overlap, the later one's label wins."""

    object_types = ("pointcloud",)
    type: Literal["point_labels"]


class RelationsControl(ControlSpec):
    type: Literal["relations"]
    controls: tuple[_Name, ...] | None = None
    labels: tuple[_Name, ...] | None = None
    colors: _ColorMap = None
    hotkeys: _HotkeyMap = None
    min: _Count | None = None
    max: _Count | None = None


class TextControl(PerRegionMixin, ObjectControl, MessageScoped, PageScoped):
    type: Literal["text"]
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None


class RatingControl(PerRegionMixin, ObjectControl, MessageScoped, PageScoped):
    type: Literal["rating"]
    max: Annotated[StrictInt, Field(ge=1, le=100)] = 5


class NumberControl(PerRegionMixin, ObjectControl, MessageScoped, PageScoped):
    type: Literal["number"]
    min: _Number | None = None
    max: _Number | None = None
    step: Annotated[float, Strict(), Field(gt=0)] | None = None
    integer: StrictBool = False


class DatetimeControl(PerRegionMixin, ObjectControl):
    """A date and/or time as ISO 8601 text: `datetime` 2024-05-01T13:30, `date` 2024-05-01, `time` 13:30,
    `month` 2024-05, `year` 2024; `min`/`max` in the same form (Label Studio's DateTime)."""

    type: Literal["datetime"]
    format: Literal["datetime", "date", "time", "month", "year"] = "datetime"
    min: Annotated[str, Strict()] | None = None
    max: Annotated[str, Strict()] | None = None


class RankingBucket(Spec):
    name: _Name
    title: Annotated[str, Strict()] | None = None


class RankingControl(ObjectControl):
    """On paragraphs: the items, best first. On a chat: `{"<message index>": [alternative ids]}`. With
    `buckets` (paragraphs) it is `{bucket: [ids]}`: items go into buckets (each at most once) and may stay
    out; `default_bucket` holds items not moved."""

    object_types = ("paragraphs", "chat")
    type: Literal["ranking"]
    buckets: tuple[RankingBucket, ...] = ()
    default_bucket: _Name | None = None


class PairwiseControl(ControlSpec):
    """Two objects side by side (`objects`), or the two alternatives of a chat's turns (`object`)."""

    type: Literal["pairwise"]
    objects: tuple[_Name, _Name] | None = None
    object: _Name | None = None
    allow_tie: StrictBool = True


class EditControl(ObjectControl):
    """A rewrite of chat messages into the preferred version: `{"<message index>": "better text"}`."""

    object_types = ("chat",)
    type: Literal["edit"]
    roles: tuple[_Role, ...] = ("assistant",)
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None


CONTROL_CLASSES: dict[str, type[ControlSpec]] = {
    "choices": ChoicesControl,
    "taxonomy": TaxonomyControl,
    "spans": SpansControl,
    "relations": RelationsControl,
    "boxes": BoxesControl,
    "polygons": PolygonsControl,
    "polylines": PolylinesControl,
    "keypoints": KeypointsControl,
    "masks": MasksControl,
    "segments": SegmentsControl,
    "tracks": TracksControl,
    "cuboids": CuboidsControl,
    "point_labels": PointLabelsControl,
    "text": TextControl,
    "rating": RatingControl,
    "number": NumberControl,
    "datetime": DatetimeControl,
    "ranking": RankingControl,
    "pairwise": PairwiseControl,
    "edit": EditControl,
}
CONTROL_TYPES: tuple[str, ...] = tuple(CONTROL_CLASSES)


# --- dumping -----------------------------------------------------------------------------------------

def _dump_object(name: str, spec: ObjectSpec) -> dict:
    out = spec.model_dump(mode="json", exclude_defaults=True)
    if out.get("field") == name:
        del out["field"]
    return out


def _dump_node(node: TaxonomyNode) -> str | dict:
    if not node.children:
        return node.value
    return {node.value: [_dump_node(child) for child in node.children]}
