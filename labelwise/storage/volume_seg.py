"""DICOM SEG of a label volume with highdicom: one binary segment per label, referencing the stored
(de-identified) source series, so a PACS or viewer places it on the same images."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from labelwise.errors import Invalid
from labelwise.storage.volumes import Volume

# SNOMED CT "Anatomical structure" / "Tissue": a generic category and type; labels carry the meaning.
_CATEGORY = ("91723000", "SCT", "Anatomical Structure")
_TYPE = ("85756007", "SCT", "Tissue")


def seg_bytes(volume: Volume, labels_volume: np.ndarray, labels: Sequence[str], *, series_number: int = 900) -> bytes:
    """A DICOM Segmentation (binary, one segment per label that has voxels... or none) as file bytes."""
    import highdicom as hd
    from pydicom.dataset import Dataset

    if not volume.headers:
        raise Invalid("DICOM SEG needs a DICOM source series; this volume came from a NIfTI file (export nifti "
                      "instead)", field="format")
    if labels_volume.shape != volume.voxels.shape:
        raise Invalid(f"the label volume is {list(labels_volume.shape)}, the source {list(volume.voxels.shape)}",
                      field="result")
    sources = [Dataset.from_json(header) for header in volume.headers]
    descriptions = [hd.seg.SegmentDescription(
        segment_number=number, segment_label=label[:64],
        segmented_property_category=hd.sr.CodedConcept(*_CATEGORY),
        segmented_property_type=hd.sr.CodedConcept(*_TYPE),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL) for number, label in enumerate(labels, start=1)]
    if not descriptions:
        raise Invalid("the schema has no masks labels on this volume to write as segments", field="format")
    seg = hd.seg.Segmentation(
        source_images=sources, pixel_array=labels_volume.astype(np.uint16 if len(labels) > 255 else np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY, segment_descriptions=descriptions,
        series_instance_uid=hd.UID(), series_number=series_number, sop_instance_uid=hd.UID(), instance_number=1,
        manufacturer="labelwise", manufacturer_model_name="labelwise", software_versions="labelwise",
        device_serial_number="0", series_description="labelwise segmentation", omit_empty_frames=True)
    out = io.BytesIO()
    seg.save_as(out)
    return out.getvalue()
