"""NIfTI label volumes line up with the DICOM source in patient space (a tilted series, read back with nibabel);
COCO per slice reads back with pycocotools."""

import gzip
import io
import json
import zipfile

import numpy as np
import pydicom

from labelwise.formats.volume_exports import write_nifti, write_slice_coco
from labelwise.schema import parse_schema
from labelwise.schema.volume_masks import encode_slice
from labelwise.storage import volumes
from tests.dicom_helpers import DICOM_SCHEMA, SPACING, series_files, write_files

SCHEMA = parse_schema(DICOM_SCHEMA)
TILT = np.radians(20)
ORIENTATION = (1, 0, 0, 0, float(np.cos(TILT)), float(np.sin(TILT)))


def _record(tmp_path):
    files = series_files(orientation=ORIENTATION)
    volume = volumes.read_series(write_files(files, tmp_path), "tilted.zip")
    truth = np.zeros(volume.shape, bool)
    truth[3, 5:9, 20:27] = True
    truth[6, 1:3, 2:4] = True
    organs = [{"id": f"m{z}", "label": "tumor", "slice": z, "rle": encode_slice(truth[z])} for z in (3, 6)]
    boxes = [{"id": "b1", "label": "nodule", "slice": 3, "x": 20, "y": 5, "width": 7, "height": 4, "rotation": 0}]
    record = {"id": 7, "data": {"scan": {"src": "/api/v1/media/1/x.npz", **volume.fields()}},
              "meta": {"filename": "tilted.zip.npz"},
              "annotations": [{"status": "submitted", "result": {"organs": organs, "findings": boxes}}]}
    return files, truth, record


def test_nifti_voxels_sit_where_the_dicom_pixels_are(tmp_path):
    import nibabel

    files, truth, record = _record(tmp_path)
    out = io.BytesIO()
    write_nifti([record], out, schema=SCHEMA, source="first")
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("labels.json")) == {"0": "background", "1": "liver", "2": "tumor"}
        (tmp_path / "labels.nii").write_bytes(gzip.decompress(archive.read("task_7_tilted.nii.gz")))
    image = nibabel.load(tmp_path / "labels.nii")
    labels = np.asarray(image.dataobj)
    assert np.array_equal(labels.transpose(2, 1, 0) == 2, truth)
    # Every labelled voxel's RAS position is its DICOM pixel's position (IPP + column and row steps), LPS->RAS.
    datasets = sorted((pydicom.dcmread(io.BytesIO(data)) for _, data in files),
                      key=lambda ds: float(np.dot(ds.ImagePositionPatient, np.cross(ORIENTATION[:3], ORIENTATION[3:]))))
    for i, j, k in np.argwhere(labels == 2):
        ds = datasets[k]
        lps = (np.array(ds.ImagePositionPatient, float) + i * float(ds.PixelSpacing[1]) * np.array(ORIENTATION[:3])
               + j * float(ds.PixelSpacing[0]) * np.array(ORIENTATION[3:]))
        ras = image.affine @ [i, j, k, 1]
        assert np.allclose(ras[:3], lps * [-1, -1, 1], atol=1e-3)
    assert np.allclose(np.linalg.norm(image.affine[:3, :3], axis=0), SPACING, atol=1e-4)


def test_coco_slices_read_back_with_pycocotools(tmp_path):
    from pycocotools.coco import COCO

    _, truth, record = _record(tmp_path)
    out = io.StringIO()
    write_slice_coco([record], out, schema=SCHEMA, source="first")
    (tmp_path / "coco.json").write_text(out.getvalue())
    coco = COCO(str(tmp_path / "coco.json"))
    images = {image["file_name"]: image["id"] for image in coco.dataset["images"]}
    assert sorted(images) == ["task_7_tilted-z0003.png", "task_7_tilted-z0006.png"]
    for z in (3, 6):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[images[f"task_7_tilted-z{z:04d}.png"]]))
        masks = [coco.annToMask(ann).astype(bool) for ann in anns if "counts" in str(ann.get("segmentation"))]
        assert any(np.array_equal(mask, truth[z]) for mask in masks)
    [box] = [ann for ann in coco.dataset["annotations"] if coco.cats[ann["category_id"]]["name"] == "nodule"]
    assert box["bbox"] == [20, 5, 7, 4] and box["image_id"] == images["task_7_tilted-z0003.png"]
