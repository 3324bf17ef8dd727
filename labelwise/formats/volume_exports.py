"""Exports of masks on medical volumes: NIfTI label volumes aligned to the source, and COCO per axial slice.

`nifti` writes a zip with one `.nii.gz` label volume per task (0 = background, 1..n the labels of
the dicom object's masks controls in schema order, listed in `labels.json`), on the source's own
voxel grid with its affine (the task data's LPS `affine` turned into NIfTI's RAS), so it overlays the
scan in any viewer. `coco-slices` writes COCO instances JSON with one image per axial slice holding
regions (masks as RLE, boxes). DICOM SEG needs the source's DICOM headers and is written per task by
the server (`storage.volume_seg`).
"""

from __future__ import annotations

import gzip
import json
import posixpath
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import numpy as np

from labelwise.errors import Invalid
from labelwise.formats import coco
from labelwise.formats.labels import Source, final_results
from labelwise.schema import LabelSchema, parse_schema
from labelwise.schema.volume_masks import label_volume

__all__ = ["mask_labels", "nifti_label_image", "write_nifti", "write_slice_coco"]

_LPS_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def mask_labels(schema: LabelSchema, object_name: str) -> tuple[list[str], list[str]]:
    """(the masks controls on the object, their labels in order, each once)."""
    controls = [name for name, spec in schema.controls.items()
                if spec.type == "masks" and getattr(spec, "object", None) == object_name]
    labels: list[str] = []
    for name in controls:
        labels += [label for label in schema.controls[name].labels if label not in labels]
    return controls, labels


def nifti_label_image(result: Mapping[str, Any] | None, value: Mapping[str, Any], controls: list[str],
                      labels: list[str]):
    """The nibabel image of one result's masks on the volume `value` (the task's dicom object data)."""
    import nibabel

    shape = (value["slices"], value["height"], value["width"])
    regions = [region for name in controls for region in ((result or {}).get(name) or ())]
    volume = label_volume(regions, shape, labels)
    image = nibabel.Nifti1Image(np.ascontiguousarray(volume.transpose(2, 1, 0)),
                                _LPS_RAS @ np.asarray(value["affine"], dtype=float))
    image.header["descrip"] = b"labelwise label volume"
    return image


def write_nifti(records: Iterable[Mapping[str, Any]], fp: IO[bytes], *, schema: LabelSchema,
                source: Source = "consensus", volume: str | None = None) -> None:
    """A zip of `<task>.nii.gz` label volumes (one per result with `source="all"`) and `labels.json`."""
    object_name, field = _dicom_object(schema, volume)
    controls, labels = mask_labels(schema, object_name)
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("labels.json"), json.dumps({"0": "background", **{
            str(number): label for number, label in enumerate(labels, start=1)}}, indent=1))
        for record in records:
            value = _value(record, field)
            stem = _stem(record, value)
            results = final_results(record, source=source)
            for number, result in enumerate(results or [None]):
                image = nifti_label_image(result, value, controls, labels)
                name = f"{stem}.nii.gz" if len(results) <= 1 else f"{stem}-{number + 1}.nii.gz"
                archive.writestr(_entry(name), gzip.compress(image.to_bytes(), mtime=0))


def write_slice_coco(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema,
                     source: Source = "consensus", volume: str | None = None) -> None:
    """COCO instances JSON with one image per axial slice that has masks or boxes."""
    object_name, field = _dicom_object(schema, volume)
    controls = {name: spec for name, spec in schema.controls.items()
                if spec.type in ("masks", "boxes") and getattr(spec, "object", None) == object_name}
    slice_schema = parse_schema({"objects": {"slice": {"type": "image"}}, "controls": {
        name: {"type": spec.type, "object": "slice", "labels": list(spec.labels)} for name, spec in controls.items()}})
    coco.write(_slice_records(records, field, controls, source), fp, schema=slice_schema, source="consensus",
               info={"description": "exported by labelwise: one image per axial slice of each volume"})


def _slice_records(records, field: str, controls, source: Source) -> Iterator[dict]:
    number = 0
    for record in records:
        value = _value(record, field)
        stem = _stem(record, value)
        results = final_results(record, source=source)[:1]
        if not results:
            continue
        by_slice: dict[int, dict[str, list]] = {}
        for name in controls:
            for region in results[0].get(name) or ():
                kept = {k: v for k, v in region.items() if k != "slice"}
                by_slice.setdefault(int(region["slice"]), {}).setdefault(name, []).append(kept)
        for index in sorted(by_slice):
            number += 1
            yield {"id": number, "data": {"slice": {"src": f"{stem}-z{index:04d}.png", "width": value["width"],
                                                    "height": value["height"]}},
                   "meta": {"task": record.get("id"), "slice": index}, "consensus": by_slice[index]}


def _dicom_object(schema: LabelSchema, volume: str | None) -> tuple[str, str]:
    objects = {name: spec for name, spec in schema.objects.items() if spec.type == "dicom"}
    if volume is not None:
        if volume not in objects:
            raise Invalid(f"'{volume}' is not a dicom object of this schema", field="object")
        return volume, objects[volume].field
    if len(objects) != 1:
        raise Invalid("this export needs exactly one dicom object in the schema" if not objects else
                      f"the schema has several dicom objects ({', '.join(objects)}); name one", field="object")
    name = next(iter(objects))
    return name, objects[name].field


def _value(record: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = (record.get("data") or {}).get(field)
    needed = ("width", "height", "slices", "affine")
    if not isinstance(value, Mapping) or any(key not in value for key in needed):
        raise Invalid(f"task {record.get('id')}: data.{field} is not an imported volume (it needs "
                      f"{', '.join(needed)})", field=f"data.{field}")
    return value


def _stem(record: Mapping[str, Any], value: Mapping[str, Any]) -> str:
    name = posixpath.basename(str((record.get("meta") or {}).get("filename") or ""))
    for suffix in (".npz", ".zip", ".gz", ".nii"):
        name = name.removesuffix(suffix)
    return f"task_{record.get('id')}" + (f"_{name}" if name else "")


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info

