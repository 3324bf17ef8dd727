"""A synthetic CT series made here for the demo and the benchmark: a body ellipse of soft tissue with a
liver below the middle, lungs above it and a spine, in Hounsfield units, one DICOM file per axial slice
(0.7 mm pixels at 512, 1.25 mm apart) with a made-up patient identity for the de-identification to remove."""

import io
from collections.abc import Iterator

import numpy as np


def ct_slices(slices: int = 48, size: int = 128) -> Iterator[tuple[str, bytes]]:
    """(file name, DICOM bytes) per axial slice, from the feet up."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    y, x = np.mgrid[:size, :size] / size
    body = ((x - 0.5) / 0.42) ** 2 + ((y - 0.5) / 0.34) ** 2 < 1
    spine = (x - 0.5) ** 2 + (y - 0.72) ** 2 < 0.04 ** 2
    lungs = (((x - 0.33) / 0.12) ** 2 + ((y - 0.45) / 0.2) ** 2 < 1) | (((x - 0.67) / 0.12) ** 2
                                                                         + ((y - 0.45) / 0.2) ** 2 < 1)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    pixel = 0.7 * 512 / size
    for z in range(slices):
        t = z / max(1, slices - 1)
        liver = ((x - 0.4) / (0.1 + 0.1 * (1 - abs(t - 0.3) * 3))) ** 2 + ((y - 0.5) / 0.12) ** 2 < 1
        hu = np.full((size, size), -1000, np.int16)
        hu[body] = 30
        if t > 0.55:
            hu[body & lungs] = -800
        elif t < 0.55 and abs(t - 0.3) < 0.3:
            hu[body & liver] = 65
        hu[spine] = 700
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = CTImageStorage, generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Phantom^Demo", "DEMO-0001", "19800101"
        ds.InstitutionName, ds.Modality, ds.InstanceNumber = "Synthetic Hospital", "CT", z + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-pixel * size / 2, -pixel * size / 2, -200.0 + 1.25 * z]
        ds.PixelSpacing, ds.SliceThickness = [pixel, pixel], 1.25
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = 0, 1
        ds.WindowCenter, ds.WindowWidth = 40, 400
        ds.PixelData = hu.tobytes()
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True)
        yield f"series/IM{z:04d}", out.getvalue()
