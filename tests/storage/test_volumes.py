"""DICOM series and NIfTI volumes read into checked volumes; bad series refused naming the file."""

import io

import numpy as np
import pydicom
import pytest

from labelwise.errors import Invalid
from labelwise.storage import volumes
from tests.dicom_helpers import ORIGIN, SPACING, nifti_bytes, phantom, pydicom_test_file, series_files, write_files


def _read(tmp_path, files, **kwargs):
    return volumes.read_series(write_files(files, tmp_path), "series.zip", **kwargs)


def test_a_shuffled_series_is_sorted_by_position_with_its_geometry(tmp_path):
    volume = _read(tmp_path, series_files())
    assert np.array_equal(volume.voxels, phantom()) and volume.voxels.dtype == np.int16
    assert volume.spacing == SPACING and volume.modality == "CT" and volume.window == (40.0, 400.0)
    assert np.allclose(volume.affine[:3, 3], ORIGIN)
    assert volume.fields()["slices"] == 8


def test_a_tilted_series_is_sorted_along_its_own_normal(tmp_path):
    tilt = np.radians(20)
    orientation = (1, 0, 0, 0, np.cos(tilt), np.sin(tilt))
    volume = _read(tmp_path, series_files(orientation=orientation))
    assert np.array_equal(volume.voxels, phantom())
    assert np.allclose(volume.affine[:3, 2], np.cross(orientation[:3], orientation[3:]) * SPACING[2], atol=1e-3)


def test_headers_are_deidentified_and_the_report_says_what_went(tmp_path):
    volume = _read(tmp_path, series_files())
    header = str(volume.headers)
    for secret in ("Doe^Jane", "PID-12345", "General Hospital", "House^Gregory", "ACC-9", "secret note", "19700101"):
        assert secret not in header
    done = {item["keyword"]: item["action"] for item in volume.deidentification["attributes"]}
    assert done["PatientName"] == "emptied" and done["InstitutionName"] == "removed"
    assert done["StudyInstanceUID"] == "new UID" and volume.deidentification["private_tags_removed"] == 16
    uids = {h["0020000E"]["Value"][0] for h in volume.headers}
    assert len(uids) == 1  # one new series UID for all slices
    kept = _read(tmp_path / "raw", series_files(), deidentify=False)
    assert "Doe^Jane" in str(kept.headers) and kept.deidentification is None


def test_a_compressed_series_and_pydicoms_own_files_decode(tmp_path):
    volume = _read(tmp_path, series_files(syntax="rle"))
    assert np.array_equal(volume.voxels, phantom())
    for name in ("CT_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm"):
        one = volumes.read_series([(name, pydicom_test_file(name))], "x")
        assert one.shape[0] == 1
    plain = volumes.read_series([("a", pydicom_test_file("MR_small.dcm"))], "x")
    jpegls = volumes.read_series([("b", pydicom_test_file("MR_small_jpeg_ls_lossless.dcm"))], "x")
    assert np.array_equal(plain.voxels, jpegls.voxels)


def test_bad_series_are_refused_naming_the_file(tmp_path):
    files = series_files(shuffle=False)
    with pytest.raises(Invalid, match=r"missing slices: 7.5 mm between 'series/slice002.dcm' and "
                                      r"'series/slice005.dcm'.*about 2 missing") as caught:
        _read(tmp_path / "gap", files[:3] + files[5:])
    assert caught.value.field == "series/slice005.dcm"
    turned = pydicom.dcmread(io.BytesIO(files[4][1]))
    turned.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    out = io.BytesIO()
    turned.save_as(out)
    with pytest.raises(Invalid, match="mixed orientations: 'series/other.dcm'"):
        _read(tmp_path / "mixed", files[:4] + [("series/other.dcm", out.getvalue())])
    with pytest.raises(Invalid, match="'series/notes.txt' is not a DICOM file") as caught:
        _read(tmp_path / "txt", files + [("series/notes.txt", b"hello, not an image")])
    assert caught.value.field == "series/notes.txt"
    with pytest.raises(Invalid, match="same position"):
        _read(tmp_path / "dup", files + [("series/copy.dcm", files[0][1])])


def test_nifti_volumes_keep_their_affine(tmp_path):
    data = phantom()
    affine = np.array([[-0.8, 0, 0, 90], [0, -0.7, 0, 100], [0, 0, 2.5, -40], [0, 0, 0, 1]])
    path = tmp_path / "scan.nii"
    path.write_bytes(nifti_bytes(data, affine))
    volume = volumes.read_nifti(path, "scan.nii")
    assert np.array_equal(volume.voxels, data) and np.allclose(volumes.ras_affine(volume), affine)
    bad = tmp_path / "bad.nii"
    bad.write_bytes(b"nope" * 100)
    with pytest.raises(Invalid, match="bad.nii: not a readable NIfTI"):
        volumes.read_nifti(bad, "bad.nii")


def test_stored_volumes_load_back_and_slices_render_in_three_views(tmp_path):
    volume = _read(tmp_path, series_files())
    again = volumes.load(volumes.save(volume), "v.npz")
    assert np.array_equal(again.voxels, volume.voxels) and np.allclose(again.affine, volume.affine)
    assert again.headers == volume.headers
    assert volumes.view_plane(volume.voxels, "axial", 4).shape == (32, 32)
    sagittal = volumes.view_plane(volume.voxels, "sagittal", 16)
    assert sagittal.shape == (8, 32) and np.array_equal(sagittal[0], volume.voxels[7, :, 16])
    assert volumes.view_plane(volume.voxels, "coronal", 3).shape == (8, 32)
    with pytest.raises(Invalid, match="coronal slice 32 does not exist"):
        volumes.view_plane(volume.voxels, "coronal", 32)
    gray = volumes.windowed(np.array([[-1000, 40, 1000]]), *volumes.PRESETS["brain"])
    assert gray.tolist() == [[0, 127, 255]]
    assert volumes.png(gray)[:4] == b"\x89PNG"
