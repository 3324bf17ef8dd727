"""DICOM series written here with pydicom: a synthetic CT (a bright sphere in water, known geometry) with
identifying headers to be removed, plus pydicom's own shipped test files (read from disk, never fetched)."""

import io
import zipfile
from pathlib import Path

import numpy as np

DICOM_SCHEMA = {
    "objects": {"scan": {"type": "dicom"}},
    "controls": {
        "organs": {"type": "masks", "object": "scan", "labels": ["liver", "tumor"]},
        "findings": {"type": "boxes", "object": "scan", "labels": ["nodule"]},
        "lengths": {"type": "polylines", "object": "scan", "labels": ["diameter"]},
        "study": {"type": "choices", "object": "scan", "options": ["normal", "abnormal"]},
    },
}
SPACING = (0.8, 0.7, 2.5)  # column spacing, row spacing, slice spacing in mm
ORIGIN = (-100.0, -120.0, 30.0)


def phantom(slices: int = 8, size: int = 32) -> np.ndarray:
    """HU values [z, y, x]: water (0) with a bone-bright sphere (1000) and an air corner (-1000)."""
    z, y, x = np.mgrid[:slices, :size, :size]
    volume = np.zeros((slices, size, size), dtype=np.int16)
    volume[(x - size / 2) ** 2 + (y - size / 2) ** 2 + ((z - slices / 2) * 3) ** 2 < (size / 4) ** 2] = 1000
    volume[:, :4, :4] = -1000
    return volume


def series_files(volume: np.ndarray | None = None, *, orientation=(1, 0, 0, 0, 1, 0), shuffle: bool = True,
                 syntax: str = "explicit", seed: int = 0) -> list[tuple[str, bytes]]:
    """(name, bytes) of one CT slice file per z, in shuffled order, with patient identity in the headers."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, RLELossless, generate_uid

    volume = phantom() if volume is None else volume
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    row_dir, col_dir = np.array(orientation[:3], float), np.array(orientation[3:], float)
    normal = np.cross(row_dir, col_dir)
    files = []
    for z in range(volume.shape[0]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Doe^Jane", "PID-12345", "19700101", "F"
        ds.InstitutionName, ds.ReferringPhysicianName = "General Hospital", "House^Gregory"
        ds.AccessionNumber, ds.StudyDate, ds.StudyTime, ds.StudyID = "ACC-9", "20260101", "101010", "S1"
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 1, z + 1
        ds.add_new((0x0011, 0x0010), "LO", "ACME private")
        ds.add_new((0x0011, 0x1001), "LO", "secret note")
        ds.ImageOrientationPatient = [float(v) for v in orientation]
        position = np.array(ORIGIN) + normal * SPACING[2] * z
        ds.ImagePositionPatient = [round(float(v), 4) for v in position]
        ds.PixelSpacing = [SPACING[1], SPACING[0]]
        ds.SliceThickness = SPACING[2]
        ds.Rows, ds.Columns = volume.shape[1:]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.WindowCenter, ds.WindowWidth = 40, 400
        ds.PixelData = (volume[z].astype(np.int32) + 1024).astype(np.uint16).tobytes()
        if syntax == "rle":
            ds.compress(RLELossless, encoding_plugin="pydicom")
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True)
        files.append((f"series/slice{z:03d}.dcm", out.getvalue()))
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(files))
        files = [files[i] for i in order]
    return files


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return out.getvalue()


def write_files(files: list[tuple[str, bytes]], folder: Path) -> list[tuple[str, Path]]:
    out = []
    for name, data in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append((name, path))
    return out


def pydicom_test_file(name: str) -> Path:
    """A file pydicom ships in its wheel (CT_small.dcm, MR_small_RLE.dcm, MR_small_jpeg_ls_lossless.dcm...)."""
    import pydicom.data

    return Path(pydicom.data.__file__).parent / "test_files" / name


def nifti_bytes(volume: np.ndarray, affine: np.ndarray) -> bytes:
    """A .nii of `volume[z, y, x]` with the RAS `affine` (nibabel indexes [x, y, z])."""
    import nibabel

    image = nibabel.Nifti1Image(np.ascontiguousarray(volume.transpose(2, 1, 0)), affine)
    return image.to_bytes()
