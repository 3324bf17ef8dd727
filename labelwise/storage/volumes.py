"""Medical volumes: a DICOM series or a NIfTI file in, one checked 3D volume out, and windowed slices of it.

A volume is `voxels[z, y, x]` (slice, row, column) in modality units (Hounsfield for CT: rescale
applied) with `affine`, the 4x4 matrix from voxel index (x, y, z, 1) to patient coordinates in mm
(DICOM's LPS). DICOM slices are sorted along the normal of their orientation by
ImagePositionPatient; mixed orientations or sizes, gaps (missing slices), duplicates and files that
are not DICOM are refused naming the file. Headers are de-identified (`storage.deid`) before
anything is kept. A volume is stored as one uncompressed `.npz` (voxels, affine, a JSON header with
the de-identified per-slice DICOM headers), which loads in a fraction of a second.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from labelwise.errors import Invalid
from labelwise.storage.deid import Deidentifier

VIEWS = ("axial", "sagittal", "coronal")
# CT window presets (center, width) in Hounsfield units.
PRESETS = {"lung": (-600.0, 1500.0), "bone": (400.0, 1800.0), "brain": (40.0, 80.0), "abdomen": (40.0, 400.0)}
NIFTI_SUFFIXES = (".nii", ".nii.gz")
_LPS_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
_ORIENTATION_TOLERANCE = 1e-3
_GAP_FACTOR = 1.5


@dataclass
class Volume:
    voxels: np.ndarray
    affine: np.ndarray
    modality: str = "OT"
    window: tuple[float, float] = (40.0, 400.0)
    headers: list[dict] = field(default_factory=list)  # de-identified DICOM JSON per slice (no pixel data)
    deidentification: dict | None = None
    source: str = "dicom"

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(n) for n in self.voxels.shape)  # type: ignore[return-value]

    @property
    def spacing(self) -> tuple[float, float, float]:
        """Voxel size in mm along x (columns), y (rows) and z (slices)."""
        return tuple(round(float(np.linalg.norm(self.affine[:3, axis])), 6) for axis in range(3))  # type: ignore

    def fields(self) -> dict:
        """The task-data fields describing the volume (besides `src`)."""
        depth, height, width = self.shape
        return {"width": width, "height": height, "slices": depth, "spacing": list(self.spacing),
                "modality": self.modality, "window": [round(v, 2) for v in self.window], "source": self.source,
                "affine": [[round(float(v), 6) for v in row] for row in self.affine]}


def read_series(files: list[tuple[str, Path]], label: str, *, deidentify: bool = True) -> Volume:
    """One DICOM series from its files (`(name, path)` pairs); `Invalid` names the file at fault."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    if not files:
        raise Invalid(f"{label}: holds no DICOM files", field=label)
    slices = []
    for name, path in files:
        try:
            dataset = pydicom.dcmread(path)
        except (InvalidDicomError, EOFError, ValueError, OSError, KeyError) as exc:
            raise Invalid(f"{label}: '{name}' is not a DICOM file ({exc})", field=name) from None
        if dataset.get("SOPClassUID") == "1.2.840.10008.1.3.10":  # a DICOMDIR index, not an image
            continue
        if "PixelData" not in dataset:
            raise Invalid(f"{label}: '{name}' is a DICOM file without pixel data (not an image)", field=name)
        slices.append((name, dataset))
    if not slices:
        raise Invalid(f"{label}: holds no DICOM images", field=label)
    first_name, first = slices[0]
    for name, dataset in slices:
        if dataset.get("SeriesInstanceUID") != first.get("SeriesInstanceUID"):
            raise Invalid(f"{label}: '{name}' belongs to another series than '{first_name}'; upload one series "
                          "per zip", field=name)
        if int(dataset.get("NumberOfFrames", 1) or 1) > 1:
            raise Invalid(f"{label}: '{name}' is a multi-frame image; only single-frame series are read", field=name)
    geometry = _geometry(slices, label)
    pixels = []
    for index in geometry["order"]:
        name, dataset = slices[index]
        pixels.append(_pixels(dataset, label, name, geometry["rows"], geometry["columns"]))
    voxels = _compact(np.stack(pixels))
    headers, report = [], None
    deid = Deidentifier() if deidentify else None
    for index in geometry["order"]:
        dataset = slices[index][1]
        if deid is not None:
            deid.apply(dataset)
        del dataset.PixelData
        headers.append(dataset.to_json_dict(bulk_data_threshold=4096, bulk_data_element_handler=lambda _: ""))
    if deid is not None:
        report = deid.report()
    return Volume(voxels, geometry["affine"], modality=str(first.get("Modality", "OT")),
                  window=_window(first, voxels), headers=headers, deidentification=report)


def read_nifti(path: Path, name: str) -> Volume:
    """A 3D NIfTI volume (a 4D one with one volume too); `Invalid` naming `name` if unreadable."""
    import nibabel

    try:
        image = nibabel.load(str(path))
        data = np.asanyarray(image.dataobj)
    except Exception as exc:  # nibabel raises many kinds for corrupt files
        raise Invalid(f"{name}: not a readable NIfTI file ({exc})", field=name) from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise Invalid(f"{name}: a NIfTI volume must be 3D, this one has shape {list(data.shape)}", field=name)
    voxels = _compact(np.ascontiguousarray(np.asarray(data).transpose(2, 1, 0)))
    affine = _LPS_RAS @ np.asarray(image.affine, dtype=float)
    return Volume(voxels, affine, modality="OT", window=_window(None, voxels), source="nifti")


def save(volume: Volume) -> bytes:
    """The stored form: an uncompressed npz of voxels, affine and the JSON header."""
    header = {"modality": volume.modality, "window": list(volume.window), "headers": volume.headers,
              "deidentification": volume.deidentification, "source": volume.source}
    out = io.BytesIO()
    np.savez(out, voxels=volume.voxels, affine=volume.affine,
             header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    return out.getvalue()


def load(source: Path | bytes, name: str) -> Volume:
    """A stored volume back (see `save`)."""
    try:
        with np.load(io.BytesIO(source) if isinstance(source, bytes) else source, allow_pickle=False) as data:
            voxels, affine = data["voxels"], data["affine"]
            header = json.loads(data["header"].tobytes())
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as exc:
        raise Invalid(f"{name}: not a stored volume ({exc})", field=name) from None
    if voxels.ndim != 3 or affine.shape != (4, 4):
        raise Invalid(f"{name}: not a stored volume (voxels {voxels.shape}, affine {affine.shape})", field=name)
    return Volume(voxels, affine, modality=header.get("modality", "OT"), window=tuple(header["window"]),
                  headers=header.get("headers", []), deidentification=header.get("deidentification"),
                  source=header.get("source", "dicom"))


def describe(source: Path, name: str) -> dict:
    """The task-data fields of a stored volume (see `Volume.fields`) without reading its voxels."""
    import zipfile

    try:
        with zipfile.ZipFile(source) as archive:
            with archive.open("voxels.npy") as fp:
                version = np.lib.format.read_magic(fp)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, _ = read_header(fp)
            with archive.open("affine.npy") as fp:
                affine = np.lib.format.read_array(fp, allow_pickle=False)
            with archive.open("header.npy") as fp:
                header = json.loads(np.lib.format.read_array(fp, allow_pickle=False).tobytes())
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, json.JSONDecodeError) as exc:
        raise Invalid(f"{name}: not a stored volume ({exc})", field=name) from None
    if len(shape) != 3 or affine.shape != (4, 4) or min(shape) < 1:
        raise Invalid(f"{name}: not a stored volume (voxels {list(shape)}, affine {list(affine.shape)})", field=name)
    volume = Volume(np.empty((0, 0, 0)), affine, modality=header.get("modality", "OT"),
                    window=tuple(header["window"]), source=header.get("source", "dicom"))
    fields = volume.fields()
    fields.update({"width": int(shape[2]), "height": int(shape[1]), "slices": int(shape[0])})
    return fields


def view_plane(voxels: np.ndarray, view: str, index: int) -> np.ndarray:
    """The 2D plane `index` of a view, rows top to bottom as shown: axial as acquired; sagittal and coronal
    reconstructed with the last slice at the top (superior, for an axial series)."""
    if view not in VIEWS:
        raise Invalid(f"view must be one of {', '.join(VIEWS)}, not {view!r}", field="view")
    axis = {"axial": 0, "sagittal": 2, "coronal": 1}[view]
    count = voxels.shape[axis]
    if not 0 <= index < count:
        raise Invalid(f"{view} slice {index} does not exist (the view has {count} slices, 0 to {count - 1})",
                      field="slice")
    if view == "axial":
        return voxels[index]
    plane = voxels[:, :, index] if view == "sagittal" else voxels[:, index, :]
    return plane[::-1]


def windowed(plane: np.ndarray, center: float, width: float) -> np.ndarray:
    """8-bit gray of a plane through a window (DICOM's linear VOI function, simplified)."""
    width = max(float(width), 1.0)
    low = center - width / 2
    scaled = (plane.astype(np.float32) - low) * (255.0 / width)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def png(gray: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(gray, mode="L").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _geometry(slices: list, label: str) -> dict:
    first_name, first = slices[0]
    try:
        orientation = np.array([float(v) for v in first.ImageOrientationPatient])
        spacing = [float(v) for v in first.PixelSpacing]
    except (AttributeError, ValueError, TypeError):
        raise Invalid(f"{label}: '{first_name}' has no ImageOrientationPatient or PixelSpacing", field=first_name)
    rows, columns = int(first.Rows), int(first.Columns)
    row_dir, col_dir = orientation[:3], orientation[3:]
    normal = np.cross(row_dir, col_dir)
    positions = []
    for name, dataset in slices:
        try:
            other = np.array([float(v) for v in dataset.ImageOrientationPatient])
            position = np.array([float(v) for v in dataset.ImagePositionPatient])
        except (AttributeError, ValueError, TypeError):
            raise Invalid(f"{label}: '{name}' has no ImageOrientationPatient or ImagePositionPatient",
                          field=name) from None
        if np.abs(other - orientation).max() > _ORIENTATION_TOLERANCE:
            raise Invalid(f"{label}: mixed orientations: '{name}' is oriented {other.round(4).tolist()} but "
                          f"'{first_name}' {orientation.round(4).tolist()}", field=name)
        if (int(dataset.Rows), int(dataset.Columns)) != (rows, columns):
            raise Invalid(f"{label}: '{name}' is {dataset.Rows}x{dataset.Columns} but '{first_name}' is "
                          f"{rows}x{columns}", field=name)
        positions.append(position)
    distances = np.array([float(np.dot(position, normal)) for position in positions])
    order = [int(i) for i in np.argsort(distances, kind="stable")]
    steps = np.diff(distances[order])
    if len(steps):
        if steps.min() < 1e-4:
            at = int(np.argmin(steps))
            raise Invalid(f"{label}: '{slices[order[at + 1]][0]}' and '{slices[order[at]][0]}' are at the same "
                          "position (a duplicate slice)", field=slices[order[at + 1]][0])
        typical = float(np.median(steps))
        if steps.max() > typical * _GAP_FACTOR:
            at = int(np.argmax(steps))
            missing = round(steps[at] / typical) - 1
            raise Invalid(f"{label}: missing slices: {steps[at]:.3g} mm between '{slices[order[at]][0]}' and "
                          f"'{slices[order[at + 1]][0]}' where the others are {typical:.3g} mm apart "
                          f"(about {missing} missing)", field=slices[order[at + 1]][0])
        slice_vector = (positions[order[-1]] - positions[order[0]]) / (len(order) - 1)
    else:
        thickness = float(first.get("SpacingBetweenSlices") or first.get("SliceThickness") or 1.0)
        slice_vector = normal * thickness
    affine = np.eye(4)
    affine[:3, 0] = row_dir * spacing[1]
    affine[:3, 1] = col_dir * spacing[0]
    affine[:3, 2] = slice_vector
    affine[:3, 3] = positions[order[0]]
    return {"order": order, "affine": affine, "rows": rows, "columns": columns}


def _pixels(dataset, label: str, name: str, rows: int, columns: int) -> np.ndarray:
    try:
        array = dataset.pixel_array
    except Exception as exc:  # a missing decoder or a corrupt frame; pydicom raises many kinds
        syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
        syntax_name = getattr(syntax, "name", syntax)
        raise Invalid(f"{label}: '{name}' cannot be decoded ({syntax_name}: {exc})", field=name) from None
    if array.shape != (rows, columns):
        raise Invalid(f"{label}: '{name}' is not a single-frame grayscale image (pixels {list(array.shape)})",
                      field=name)
    slope = float(dataset.get("RescaleSlope", 1) or 1)
    intercept = float(dataset.get("RescaleIntercept", 0) or 0)
    if slope == 1 and intercept == int(intercept):
        return array.astype(np.int32) + int(intercept)
    return array.astype(np.float32) * slope + intercept


def _compact(voxels: np.ndarray) -> np.ndarray:
    """int16 when the values are whole and fit, else float32."""
    if voxels.dtype.kind in "iub" and voxels.size:
        low, high = int(voxels.min()), int(voxels.max())
        if -32768 <= low and high <= 32767:
            return voxels.astype(np.int16, copy=False)
    if voxels.dtype.kind == "f" and voxels.size and np.all(np.mod(voxels, 1) == 0):
        if voxels.min() >= -32768 and voxels.max() <= 32767:
            return voxels.astype(np.int16)
    return voxels.astype(np.float32, copy=False)


def _window(first, voxels: np.ndarray) -> tuple[float, float]:
    if first is not None and "WindowCenter" in first and "WindowWidth" in first:
        center, width = _first(first.WindowCenter), _first(first.WindowWidth)
        if width > 0:
            return center, width
    sample = voxels[:: max(1, voxels.shape[0] // 16)].astype(np.float32)
    low, high = np.percentile(sample, [1, 99]) if sample.size else (0.0, 1.0)
    return float((low + high) / 2), float(max(high - low, 1.0))


def _first(value) -> float:
    return float(value[0]) if hasattr(value, "__len__") and not isinstance(value, str) else float(value)


def ras_affine(volume: Volume) -> np.ndarray:
    """The NIfTI (RAS) affine of a volume's voxel grid indexed [x, y, z]."""
    return _LPS_RAS @ volume.affine
