"""DICOM series and NIfTI volumes in: each zip (or the loose DICOM files of an upload) one series, each
.nii/.nii.gz one volume, each becoming a task of the project's `dicom` object.

Every source is read and checked first (`storage.volumes`: sorting, gaps, orientations, decoding;
headers de-identified unless the caller turns it off), then the volumes go through
`media_import.import_media` as stored `.npz` blobs, so storing, duplicates and the all-or-nothing
cleanup are the media import's. The de-identification report goes in each task's meta.
"""

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from labelwise.core.dataio.media_import import Collected, MediaFile, MediaImportSummary, collect_zip, import_media
from labelwise.core.duplicates.import_duplicates import DuplicateMode
from labelwise.core.media.media import MediaLimits
from labelwise.core.platform.access import Role, authorize
from labelwise.errors import Invalid
from labelwise.core.media import volume_slices
from labelwise.storage import Storage, make_key, volumes
from labelwise.store.models import User


@dataclass(frozen=True)
class VolumeSource:
    """One upload: a zip of a series, a NIfTI file, or loose DICOM files (`files`) making one series."""

    name: str
    path: Path | None = None
    files: tuple[MediaFile, ...] = ()


@dataclass(frozen=True)
class VolumeImportSummary:
    media: MediaImportSummary
    deidentification: dict = field(default_factory=dict)  # source name -> report (None when turned off)


def is_nifti(name: str) -> bool:
    return name.lower().endswith(volumes.NIFTI_SUFFIXES)


def import_volumes(
    session: Session,
    user: User,
    project_id: int,
    sources: list[VolumeSource],
    *,
    storage: Storage,
    limits: MediaLimits,
    object_name: str | None = None,
    deidentify: bool = True,
    duplicates: DuplicateMode = "allow",
    batch_size: int = 5000,
    max_errors: int = 50,
) -> VolumeImportSummary:
    """Read, check, de-identify and import each source as one volume task, all or nothing."""
    authorize(session, user, project_id, Role.MANAGER)
    if not sources:
        raise Invalid("no DICOM series or NIfTI volume to import", field="files")
    with tempfile.TemporaryDirectory(prefix="labelwise-volumes-") as work:
        workdir = Path(work)
        files, meta, reports, loaded = [], {}, {}, []
        for number, source in enumerate(sources):
            volume = _read(source, workdir / f"source-{number}", limits, deidentify)
            target = workdir / f"volume-{number}.npz"
            target.write_bytes(volumes.save(volume))
            name = f"{source.name}.npz" if not source.name.endswith(".npz") else source.name
            files.append(MediaFile(name, target))
            loaded.append((target, volume))
            reports[source.name] = volume.deidentification
            meta[name] = {"volume_source": source.name, "deidentification": volume.deidentification
                          or {"profile": None, "note": "de-identification was turned off for this import"}}
        summary = import_media(session, user, project_id, files, storage=storage, limits=limits,
                               object_name=object_name, duplicates=duplicates, batch_size=batch_size,
                               max_errors=max_errors, meta=meta)
        for target, volume in loaded:  # the server shows these next: keep them in memory
            volume_slices.remember(make_key(project_id, _sha256(target), "npz"), volume)
    return VolumeImportSummary(summary, reports)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        while chunk := fp.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _read(source: VolumeSource, workdir: Path, limits: MediaLimits, deidentify: bool) -> volumes.Volume:
    workdir.mkdir()
    if is_nifti(source.name):
        return volumes.read_nifti(source.path, source.name)
    if source.files:
        return volumes.read_series([(item.name, item.path) for item in source.files], source.name,
                                   deidentify=deidentify)
    if source.path is None or PurePosixPath(source.name).suffix.lower() != ".zip":
        raise Invalid(f"{source.name}: send a DICOM series as a zip, .dcm files, or a .nii/.nii.gz volume",
                      field=source.name)
    collected = Collected()
    collect_zip(source.path, source.name, workdir, collected, limits=limits, keep_paths=True, every_file=True)
    prefix = f"{source.name}/"
    series = [(item.name.removeprefix(prefix), item.path) for item in collected.files]
    niftis = [name for name, _ in series if is_nifti(name)]
    if niftis:
        raise Invalid(f"{source.name}: '{niftis[0]}' is a NIfTI file; upload NIfTI volumes on their own, not in a "
                      "DICOM series zip", field=niftis[0])
    return volumes.read_series(series, source.name, deidentify=deidentify)
