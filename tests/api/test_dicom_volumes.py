"""DICOM series and NIfTI volumes in as tasks of a `dicom` object; windowed slices in three views served on demand;
bad series refused naming the file with nothing imported; masks outside the volume refused."""

import io

import numpy as np
import pytest
from PIL import Image

from labelwise.schema.volume_masks import encode_slice
from labelwise.storage import volumes
from tests.dicom_helpers import DICOM_SCHEMA, SPACING, nifti_bytes, phantom, series_files, zip_bytes
from tests.factories import make_project, make_user


@pytest.fixture
def world(session):
    owner = make_user(session, "owner", admin=False)
    stranger = make_user(session, "stranger")
    project = make_project(session, owner.user, schema=DICOM_SCHEMA, name="CT")
    return owner, stranger, project


def upload(client, caller, project_id, files, **params):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post(f"/api/v1/projects/{project_id}/media", params={"format": "dicom", **params}, files=parts,
                       headers=caller.headers)


def tasks(client, owner, project_id) -> list[dict]:
    return client.get(f"/api/v1/projects/{project_id}/tasks", headers=owner.headers).json()["items"]


def test_a_series_zip_becomes_one_deidentified_volume_task(client, world):
    owner, stranger, project = world
    response = upload(client, owner, project.id, [("chest.zip", zip_bytes(series_files()))])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["imported"] == 1
    removed = {item["keyword"] for item in body["deidentification"]["chest.zip"]["attributes"]}
    assert {"PatientName", "PatientID", "InstitutionName", "StudyInstanceUID"} <= removed
    [task] = tasks(client, owner, project.id)
    scan = task["data"]["scan"]
    assert (scan["width"], scan["height"], scan["slices"], scan["spacing"]) == (32, 32, 8, list(SPACING))
    assert scan["modality"] == "CT" and scan["window"] == [40, 400]
    assert task["meta"]["deidentification"]["private_tags_removed"] == 16
    stored = client.get(scan["src"], headers=owner.headers)
    assert b"Doe^Jane" not in stored.content and b"PID-12345" not in stored.content
    assert client.get(scan["src"] + "/slices/axial/0.png", headers=stranger.headers).status_code == 404


def test_slices_are_windowed_in_three_views(client, world):
    owner, _, project = world
    upload(client, owner, project.id, [("chest.zip", zip_bytes(series_files()))])
    src = tasks(client, owner, project.id)[0]["data"]["scan"]["src"]
    axial = client.get(src + "/slices/axial/4.png", headers=owner.headers)
    assert axial.status_code == 200 and axial.headers["x-window"] == "40,400"
    pixels = np.asarray(Image.open(io.BytesIO(axial.content)))
    assert pixels.shape == (32, 32) and pixels[16, 16] == 255 and pixels[0, 0] == 0
    bone = client.get(src + "/slices/axial/4.png", params={"preset": "bone"}, headers=owner.headers)
    assert np.asarray(Image.open(io.BytesIO(bone.content)))[16, 16] == round((1000 - 400 + 900) * 255 / 1800)
    sagittal = client.get(src + "/slices/sagittal/16.png", params={"center": 0, "width": 2}, headers=owner.headers)
    assert np.asarray(Image.open(io.BytesIO(sagittal.content))).shape == (8, 32)
    coronal = client.get(src + "/slices/coronal/40.png", headers=owner.headers)
    assert coronal.status_code == 422 and "coronal slice 40 does not exist" in coronal.text


def test_a_nifti_volume_and_loose_dicom_files_import(client, world):
    owner, _, project = world
    affine = np.diag([-0.8, -0.7, 2.5, 1.0])
    files = [("brain.nii", nifti_bytes(phantom(), affine))] + series_files()
    response = upload(client, owner, project.id, files)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    names = sorted(task["meta"]["filename"] for task in tasks(client, owner, project.id))
    assert names == ["brain.nii.npz", "upload.npz"]


@pytest.mark.parametrize("change, words", [
    (lambda files: files[:3] + files[5:], "missing slices"),
    (lambda files: files + [("series/readme.txt", b"not dicom")], "'series/readme.txt' is not a DICOM file"),
])
def test_a_bad_series_is_refused_naming_the_file_and_nothing_is_imported(client, world, change, words):
    owner, _, project = world
    good = ("good.zip", zip_bytes(series_files(seed=1)))
    response = upload(client, owner, project.id, [good, ("bad.zip", zip_bytes(change(series_files(shuffle=False))))])
    assert response.status_code == 422, response.text
    assert words in response.text and "bad.zip" in response.text
    assert tasks(client, owner, project.id) == []


def test_masks_outside_the_volume_are_refused_and_inside_kept(client, world):
    owner, _, project = world
    upload(client, owner, project.id, [("chest.zip", zip_bytes(series_files()))])
    task = tasks(client, owner, project.id)[0]
    plane = np.zeros((32, 32), bool)
    plane[10:20, 12:18] = True
    mask = {"label": "liver", "slice": 3, "rle": encode_slice(plane)}
    url = f"/api/v1/tasks/{task['id']}/annotations"
    bad = client.post(url, json={"result": {"organs": [{**mask, "slice": 8}]}}, headers=owner.headers)
    assert bad.status_code == 422 and "slice 8 is outside the volume" in bad.text
    good = client.post(url, json={"result": {"organs": [mask], "study": "normal"}}, headers=owner.headers)
    assert good.status_code in (200, 201), good.text
    assert volumes.VIEWS == ("axial", "sagittal", "coronal")


def test_labels_export_as_nifti_aligned_to_the_source_and_as_dicom_seg(client, world, tmp_path):
    import highdicom
    import nibabel

    owner, _, project = world
    upload(client, owner, project.id, [("chest.zip", zip_bytes(series_files()))])
    task = tasks(client, owner, project.id)[0]
    truth = np.zeros((8, 32, 32), np.uint8)
    truth[2:5, 10:20, 12:18] = 1
    truth[4, 2:6, 3:9] = 2
    organs = [{"label": ["liver", "tumor"][value - 1], "slice": z, "rle": encode_slice(truth[z] == value)}
              for z in range(8) for value in (1, 2) if (truth[z] == value).any()]
    posted = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"organs": organs}},
                         headers=owner.headers)
    assert posted.status_code in (200, 201), posted.text
    url = f"/api/v1/tasks/{task['id']}/volumes/scan/labels"
    nifti = client.get(url, params={"format": "nifti"}, headers=owner.headers)
    assert nifti.status_code == 200, nifti.text
    (tmp_path / "labels.nii").write_bytes(nifti.content)
    image = nibabel.load(tmp_path / "labels.nii")
    assert np.array_equal(np.asarray(image.dataobj).transpose(2, 1, 0), truth)
    # The source's geometry: voxel (x, y, z) of the series maps to the same RAS point in the label volume.
    spacing_x, spacing_y, spacing_z = SPACING
    expected = np.array([[-spacing_x, 0, 0, 100.0], [0, -spacing_y, 0, 120.0], [0, 0, spacing_z, 30.0],
                         [0, 0, 0, 1]])
    assert np.allclose(image.affine, expected)
    seg = client.get(url, headers=owner.headers)
    assert seg.status_code == 200 and seg.headers["content-type"] == "application/dicom"
    read = highdicom.seg.segread(io.BytesIO(seg.content))
    assert [read.get_segment_description(n).SegmentLabel for n in (1, 2)] == ["liver", "tumor"]
    stored = volumes.load(client.get(task["data"]["scan"]["src"], headers=owner.headers).content, "v")
    uids = [highdicom.UID(header["00080018"]["Value"][0]) for header in stored.headers]
    pixels = read.get_pixels_by_source_instance(source_sop_instance_uids=uids, combine_segments=True,
                                                skip_overlap_checks=True)
    assert np.array_equal(pixels, truth)
    exported = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "nifti", "source": "first"},
                          headers=owner.headers)
    assert exported.status_code == 200, exported.text
    import zipfile

    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        names = archive.namelist()
        assert "labels.json" in names and any(name.endswith(".nii.gz") for name in names)
    coco = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "coco-slices", "source": "first"},
                      headers=owner.headers)
    assert coco.status_code == 200, coco.text
    assert len(coco.json()["images"]) == 3 and len(coco.json()["annotations"]) == 4


def test_agreement_between_annotators_per_structure(client, world, session):
    from labelwise.quality.volumes import dice, hausdorff95
    from tests.factories import add_member

    owner, other, project = world
    add_member(session, owner.user, project, other.user, role="manager")
    upload(client, owner, project.id, [("chest.zip", zip_bytes(series_files()))])
    task = tasks(client, owner, project.id)[0]
    a = np.zeros((8, 32, 32), bool)
    a[2:5, 10:20, 10:20] = True
    b = np.roll(a, 2, axis=2)
    for caller, truth in ((owner, a), (other, b)):
        organs = [{"label": "liver", "slice": z, "rle": encode_slice(truth[z])} for z in range(8) if truth[z].any()]
        posted = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"organs": organs}},
                             headers=caller.headers)
        assert posted.status_code in (200, 201), posted.text
    body = client.get(f"/api/v1/tasks/{task['id']}/volumes/scan/agreement", headers=owner.headers).json()
    [pair] = body["pairs"]
    liver, tumor = pair["structures"]
    spacing = SPACING[::-1]
    assert liver["dice"] == pytest.approx(dice(a, b)) and liver["dice"] == pytest.approx(0.8)
    assert liver["hausdorff95_mm"] == pytest.approx(hausdorff95(a, b, spacing), abs=1e-4)
    assert liver["hausdorff95_mm"] == pytest.approx(2 * SPACING[0], abs=1e-4)
    assert (tumor["dice"], tumor["hausdorff95_mm"]) == (1.0, 0.0)
    assert body["mean"]["liver"]["dice"] == pytest.approx(0.8)


def test_pydicoms_compressed_test_files_import_as_volumes(client, world):
    from tests.dicom_helpers import pydicom_test_file

    owner, _, project = world
    files = [(name, pydicom_test_file(name).read_bytes())
             for name in ("MR_small_jpeg_ls_lossless.dcm", "MR_small_RLE.dcm")]
    for name, data in files:  # each its own upload: loose files of one upload make one series
        response = upload(client, owner, project.id, [(name, data)])
        assert response.status_code == 201, response.text
    scans = [task["data"]["scan"] for task in tasks(client, owner, project.id)]
    assert [(s["width"], s["height"], s["slices"], s["modality"]) for s in scans] == [(64, 64, 1, "MR")] * 2
    a, b = (client.get(s["src"] + "/slices/axial/0.png", params={"center": 600, "width": 1600},
                       headers=owner.headers).content for s in scans)
    assert a == b  # both decode to the same pixels as the uncompressed MR_small
