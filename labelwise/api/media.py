# Over 400 lines: uploads in several formats and the file, PDF page, point and volume slice routes share one authorization and spooling path.
"""Media: upload files or a zip as tasks, serve stored media to project members or signed URLs."""

import re
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from labelwise.api.contract import errors, file_download
from labelwise.api.deps import SessionDep, SessionFactoryDep, SettingsDep, UserDep, bounded_body, credentials
from labelwise.core.accounts.users import resolve_token
from labelwise.core.dataio import import_volumes, import_yolo, media_import
from labelwise.core.duplicates.import_duplicates import DuplicateMode
from labelwise.core.media import pdf_pages, point_clouds, signing, volume_slices
from labelwise.core.media.media import MediaLimits
from labelwise.core.platform.access import Role, authorize, role_in
from labelwise.errors import Forbidden, Invalid, NotFound, TooLarge, Unauthorized
from labelwise.storage import Storage, check_key, pdf, project_of

router = APIRouter(tags=["media"])
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
# Read by the route itself under its own limit (deps.bounded_body), not the general body limit.
UPLOAD_PATH = "/projects/{project_id}/media"


class MediaImportOut(BaseModel):
    imported: int
    stored: int = Field(description="Blobs written by this import.")
    reused: int = Field(description="Files whose bytes were already stored (content-addressed).")
    ignored: list[str] = Field(description="Files passed over as not media (first 50).")
    duplicates_skipped: int = 0
    duplicates_flagged: int = 0
    near_duplicates: int = 0
    out_of_range: int | None = Field(None, description="format=yolo without images/: tasks whose regions stay percentages of "
                              "an image of unknown size, kept as Label Studio items and listed in meta.out_of_range.")
    predictions: int | None = Field(None, description="format=yolo without images/: predictions added to the project's tasks "
                             "showing images of the label files' names.")
    deidentification: dict[str, dict | None] | None = Field(
        default=None, description="format=dicom: per uploaded series, what de-identification removed or replaced.")


class SignIn(BaseModel):
    keys: list[str] = Field(min_length=1, max_length=1000)
    ttl: int | None = Field(default=None, ge=1, description="Seconds; at most the server's media_url_ttl.")


class SignOut(BaseModel):
    urls: dict[str, str]
    expires: int


_UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "Media files (images, audio, video, PDF, point clouds) and/or zip archives of them, or one "
                       "zip as the body.",
    }
}


@router.post(UPLOAD_PATH, response_model=MediaImportOut, status_code=201, response_model_exclude_none=True,
             openapi_extra=_UPLOAD_BODY)
async def upload_media(
    project_id: int,
    request: Request,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    object: Annotated[str | None, Query(description="Schema object receiving the media (when ambiguous).")] = None,
    duplicates: Annotated[DuplicateMode, Query(description="allow, skip or flag exact and near (pHash) duplicates.")] = "allow",
    format: Annotated[Literal["media", "yolo", "dicom"], Query(
        description="media: every media file is a task. yolo: one zip holding images/, labels/ and data.yaml or "
                    "classes.txt; the images become tasks and their label files boxes and polygons. dicom: each zip "
                    "is one DICOM series, each .nii/.nii.gz one volume, loose DICOM files one series together; "
                    "each becomes a task of the dicom object (docs/medical.md).")] = "media",
    into: Annotated[Literal["predictions", "annotations", "gold"], Query(
        description="format=yolo: what the labels become.")] = "predictions",
    sequence: Annotated[bool, Query(
        description="Point clouds: the files become the frames of one task, in the order of their names.")] = False,
    deidentify: Annotated[bool, Query(description="format=dicom: apply the DICOM basic confidentiality profile "
                                      "to the headers (on by default).")] = True,
):
    """Import media files as tasks, one task per file, all or nothing. Files are validated before storing.

    With `format=yolo` the body is one YOLO dataset zip (as `application/zip`, or the one file of a
    multipart form) and its labels come in as predictions, annotations or gold (`into`).
    """
    await run_in_threadpool(authorize, session, user, project_id, Role.MANAGER)
    limits = MediaLimits.from_settings(settings)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes:
        raise TooLarge(f"the upload is {declared} bytes, over the {settings.max_upload_bytes} byte limit")
    storage: Storage = request.app.state.storage
    with tempfile.TemporaryDirectory(prefix="labelwise-media-") as work:
        workdir = Path(work)
        if format == "yolo":
            archive, label = await _receive_zip(request, workdir, settings.max_upload_bytes)

            def run_yolo() -> media_import.MediaImportSummary:
                with factory() as import_session:
                    return import_yolo.import_yolo_zip(
                        import_session, user, project_id, archive, label=label, storage=storage, limits=limits,
                        into=into, object_name=object, duplicates=duplicates,
                        batch_size=settings.import_batch_size, max_errors=settings.max_import_errors)

            summary = await run_in_threadpool(run_yolo)
            return MediaImportOut(**{**summary.__dict__, "ignored": list(summary.ignored)})
        if format == "dicom":
            sources = await _receive_volumes(request, workdir, settings.max_upload_bytes, limits)

            def run_volumes() -> import_volumes.VolumeImportSummary:
                with factory() as import_session:
                    return import_volumes.import_volumes(
                        import_session, user, project_id, sources, storage=storage, limits=limits,
                        object_name=object, deidentify=deidentify, duplicates=duplicates,
                        batch_size=settings.import_batch_size, max_errors=settings.max_import_errors)

            done = await run_in_threadpool(run_volumes)
            return MediaImportOut(**{**done.media.__dict__, "ignored": list(done.media.ignored),
                                     "deidentification": done.deidentification})
        collected = await _receive(request, workdir, settings.max_upload_bytes, limits)

        def run() -> media_import.MediaImportSummary:
            with factory() as import_session:
                return media_import.import_media(
                    import_session, user, project_id, collected.files, storage=storage, limits=limits,
                    object_name=object, duplicates=duplicates, batch_size=settings.import_batch_size,
                    max_errors=settings.max_import_errors, ignored=collected.ignored, sequence=sequence,
                )

        summary = await run_in_threadpool(run)
    return MediaImportOut(**{**summary.__dict__, "ignored": list(summary.ignored)})


@router.post("/media/sign", response_model=SignOut, responses=errors(404))
def sign_media(body: SignIn, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Short-lived URLs for media keys of projects the caller belongs to, usable without credentials."""
    ttl = min(body.ttl or settings.media_url_ttl, settings.media_url_ttl)
    now = time.time()
    urls, expires = {}, int(now + ttl)
    for key in body.keys:
        _authorize_key(session, user, key)
        urls[key], expires = signing.signed_path(request.app.state.media_secret, key, ttl=ttl, now=now)
    return SignOut(urls=urls, expires=expires)


_CACHED = {304: {"description": "Not modified (If-None-Match matched the ETag)"},
           307: {"description": "With a signed URL and S3 storage: a redirect to a presigned S3 URL"}}
_ANY_FILE = {"schema": {"type": "string", "format": "binary"}}


_PDF_KEY = "/media/{project_id}/{blob}"


@router.get(_PDF_KEY + "/pages/{page}.png", response_class=Response, responses={
    **file_download(["image/png"], "The page rendered at `scale` pixels per PDF point"),
    304: _CACHED[304], **errors(401, 403, 404, 422)})
def get_pdf_page(
    project_id: str, blob: str, page: int, request: Request, session: SessionDep,
    scale: Annotated[float, Query(gt=0, le=16, description="Pixels per PDF point (1 = 72 dpi); rendered in "
                                  f"steps of 1/4 from {pdf.MIN_SCALE} to {pdf.MAX_SCALE}.")] = 1.0,
    expires: int | None = None, signature: str | None = None,
):
    """Page `page` (1 = the first) of a stored PDF as PNG, rendered on demand and cached on the server."""
    key = f"{project_id}/{blob}"
    max_age = _authorize_request(request, session, key, expires, signature)
    session.close()
    headers = {"Cache-Control": f"private, max-age={max_age}",
               "ETag": f'"{PurePosixPath(blob).stem}-{page}-{pdf.clamp_scale(scale)}"'}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    png, _ = pdf_pages.page_png(request.app.state.storage, key, page - 1, scale)
    return Response(png, media_type="image/png", headers=headers)


@router.get(_PDF_KEY + "/pages/{page}/text", responses=errors(401, 403, 404, 422))
def get_pdf_text(project_id: str, blob: str, page: int, request: Request, session: SessionDep,
                 expires: int | None = None, signature: str | None = None) -> dict:
    """The text layer of page `page` (1 = the first): `text`, and `boxes[i] = [x, y, w, h]` of `text[i]` in
    PDF points from the page's top-left corner (zeros for characters without ink), with the page's size."""
    key = f"{project_id}/{blob}"
    _authorize_request(request, session, key, expires, signature)
    session.close()
    return pdf_pages.page_text(request.app.state.storage, key, page - 1)


@router.get(_PDF_KEY + "/points", response_class=Response, responses={
    **file_download(["application/octet-stream"], "n x 4 little-endian float32: x, y, z, intensity"),
    304: _CACHED[304], **errors(401, 403, 404, 422)})
def get_points(project_id: str, blob: str, request: Request, session: SessionDep,
               expires: int | None = None, signature: str | None = None):
    """The points of a stored point cloud (KITTI .bin, PCD, PLY, LAS/LAZ) decoded on the server into one compact
    form: x, y, z, intensity as little-endian float32, 16 bytes a point; `X-Point-Count` says how many."""
    key = f"{project_id}/{blob}"
    max_age = _authorize_request(request, session, key, expires, signature)
    session.close()
    # a blob is named by its content's SHA-256: its points never change, so the browser need not revalidate
    headers = {"Cache-Control": f"private, max-age={max_age}, immutable", "ETag": f'"{PurePosixPath(blob).stem}-points"'}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    decoded = point_clouds.points_f32(request.app.state.storage, key)
    headers["X-Point-Count"] = str(point_clouds.point_count(decoded))
    return Response(decoded, media_type="application/octet-stream", headers=headers)


@router.get(_PDF_KEY + "/slices/{view}/{index}.png", response_class=Response, responses={
    **file_download(["image/png"], "One slice of a stored volume, windowed to 8-bit gray"),
    304: _CACHED[304], **errors(401, 403, 404, 422)})
def get_volume_slice(
    project_id: str, blob: str, view: Literal["axial", "sagittal", "coronal"], index: int, request: Request,
    session: SessionDep,
    center: Annotated[float | None, Query(description="Window center (level) in modality units (HU for CT).")] = None,
    width: Annotated[float | None, Query(gt=0, description="Window width in modality units.")] = None,
    preset: Annotated[Literal["lung", "bone", "brain", "abdomen"] | None, Query(
        description="A CT window preset instead of center/width.")] = None,
    expires: int | None = None, signature: str | None = None,
):
    """Slice `index` (from 0) of a stored volume in the `view` plane as PNG: axial as acquired, sagittal and
    coronal reconstructed (superior at the top). Without a window, the volume's own default is used."""
    key = f"{project_id}/{blob}"
    max_age = _authorize_request(request, session, key, expires, signature)
    session.close()
    png, window = volume_slices.slice_png(request.app.state.storage, key, view, index, center=center, width=width,
                                          preset=preset)
    headers = {"Cache-Control": f"private, max-age={max_age}", "X-Window": f"{window[0]:g},{window[1]:g}",
               "ETag": f'"{PurePosixPath(blob).stem}-{view}-{index}-{window[0]:g}-{window[1]:g}"'}
    return Response(png, media_type="image/png", headers=headers)


@router.get("/media/{key:path}", response_class=Response, responses={
    **file_download(["*/*"], "The file, in its stored media type"),
    206: {"description": "Partial content (Range)", "content": {"*/*": _ANY_FILE}},
    **_CACHED, **errors(401, 403, 404, 416)})
@router.head("/media/{key:path}", response_class=Response, responses={
    200: {"description": "The file's size (Content-Length) and media type, without its bytes"},
    **_CACHED, **errors(401, 403, 404)})
def get_media(
    key: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    expires: int | None = None,
    signature: str | None = None,
):
    """Stream a stored media file to a member of its project, or to anyone holding a valid signed URL."""
    max_age = _authorize_request(request, session, key, expires, signature)
    signed = expires is not None or signature is not None
    session.close()  # nothing more to read; do not hold a connection while streaming
    storage: Storage = request.app.state.storage
    if signed and settings.s3_presigned_redirect and hasattr(storage, "presigned_url"):
        return RedirectResponse(storage.presigned_url(key, expires_in=max(max_age, 1)), status_code=307)
    blob = storage.stat(key)
    if blob is None:
        raise NotFound("no such media")
    headers = {
        "Cache-Control": f"private, max-age={max_age}",
        "ETag": f'"{PurePosixPath(key).stem}"',  # content-addressed: the key is the content's hash
        "Accept-Ranges": "bytes",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":  # size and type without the bytes (and without opening an S3 stream)
        return Response(status_code=200, headers={**headers, "Content-Length": str(blob.size)},
                        media_type=blob.content_type)
    path = storage.local_path(key)
    if path is not None:
        return FileResponse(path, media_type=blob.content_type, headers=headers, content_disposition_type="inline")
    return _ranged(storage, key, blob.size, blob.content_type, request.headers.get("range"), headers)


def _authorize_request(request: Request, session, key: str, expires: int | None, signature: str | None) -> int:
    """Check a member's credentials or a signed URL for `key`; return how long the answer may be cached."""
    try:
        check_key(key)
    except Invalid:
        raise NotFound("no such media") from None
    if expires is not None or signature is not None:
        if not (expires and signature and signing.verify(request.app.state.media_secret, key, expires, signature)):
            raise Forbidden("this media link is invalid or has expired; ask for a new one")
        return max(0, int(expires - time.time()))
    secret = credentials(request)
    if not secret:
        raise Unauthorized("log in first, or use a signed media URL")
    _authorize_key(session, resolve_token(session, secret), key)
    return 3600


def _authorize_key(session, user, key: str) -> None:
    try:
        project_id = project_of(key)
    except Invalid:
        raise NotFound("no such media") from None
    if role_in(session, user, project_id) is None:
        raise NotFound("no such media")


def _ranged(storage: Storage, key: str, size: int, content_type: str, header: str | None,
            headers: dict[str, str]) -> Response:
    """One byte range passed through to the backend (S3 Range); several ranges get the whole file."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or (not match.group(1) and not match.group(2)):
        headers["Content-Length"] = str(size)
        return StreamingResponse(storage.stream(key), media_type=content_type, headers=headers)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # the final N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(end - start + 1)})
    return StreamingResponse(storage.stream(key, start=start, end=end), status_code=206,
                             media_type=content_type, headers=headers)


async def _receive(request: Request, workdir: Path, limit: int, limits: MediaLimits) -> media_import.Collected:
    """Spool the body (multipart files or one zip) into `workdir`, never over `limit` bytes in all."""
    def body():
        return bounded_body(request, limit)

    collected = media_import.Collected()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _ZIP_TYPES:
        archive = workdir / "upload.zip"
        with archive.open("wb") as out:
            async for chunk in body():
                out.write(chunk)
        await run_in_threadpool(media_import.collect_zip, archive, "upload.zip", workdir, collected, limits=limits)
        return collected
    if content_type != "multipart/form-data":
        raise Invalid("send multipart/form-data with one or more files, or an application/zip body",
                      field="content-type")
    parser = MultiPartParser(request.headers, body(), max_files=limits.max_zip_entries, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid(f"the multipart body is malformed: {exc.message}", field="files") from None
    try:
        uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        await run_in_threadpool(_spool_uploads, uploads, workdir, collected, limits)
    finally:
        await form.close()
    return collected


async def _receive_zip(request: Request, workdir: Path, limit: int) -> tuple[Path, str]:
    """Spool one zip (an application/zip body, or the single file of a multipart form) into `workdir`."""
    def body():
        return bounded_body(request, limit)

    archive = workdir / "upload.zip"
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _ZIP_TYPES:
        with archive.open("wb") as out:
            async for chunk in body():
                out.write(chunk)
        return archive, "upload.zip"
    if content_type != "multipart/form-data":
        raise Invalid("format=yolo takes one zip: an application/zip body or one file in multipart/form-data",
                      field="content-type")
    parser = MultiPartParser(request.headers, body(), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid(f"the multipart body is malformed: {exc.message}", field="files") from None
    try:
        uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        if len(uploads) != 1:
            raise Invalid(f"format=yolo takes exactly one zip file, got {len(uploads)} files", field="files")
        name = PurePosixPath((uploads[0].filename or "upload.zip").replace("\\", "/")).name or "upload.zip"
        with archive.open("wb") as out:
            while chunk := await uploads[0].read(1024 * 1024):
                out.write(chunk)
    finally:
        await form.close()
    return archive, name


async def _receive_volumes(request: Request, workdir: Path, limit: int,
                           limits: MediaLimits) -> list[import_volumes.VolumeSource]:
    """format=dicom: an application/zip body (one series), or multipart files: zips and NIfTI files one
    volume each, other files (DICOM) one series together."""
    def body():
        return bounded_body(request, limit)

    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _ZIP_TYPES:
        archive = workdir / "upload.zip"
        with archive.open("wb") as out:
            async for chunk in body():
                out.write(chunk)
        return [import_volumes.VolumeSource("upload.zip", archive)]
    if content_type != "multipart/form-data":
        raise Invalid("send multipart/form-data with DICOM zips, .dcm or .nii/.nii.gz files, or an application/zip "
                      "body", field="content-type")
    parser = MultiPartParser(request.headers, body(), max_files=limits.max_zip_entries, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid(f"the multipart body is malformed: {exc.message}", field="files") from None
    sources, loose = [], []
    try:
        for index, upload in enumerate(value for _, value in form.multi_items() if isinstance(value, UploadFile)):
            name = (PurePosixPath((upload.filename or "").replace("\\", "/")).name or f"file-{index + 1}")
            suffix = ".nii.gz" if name.lower().endswith(".nii.gz") else PurePosixPath(name).suffix.lower()
            target = workdir / f"upload-{index:06d}{suffix}"  # nibabel tells NIfTI by its suffix
            await run_in_threadpool(media_import.copy_upload, upload.file, target, limit=limits.max_file_bytes,
                                    name=name)
            with target.open("rb") as fp:
                zipped = fp.read(4) == b"PK\x03\x04"
            if zipped or import_volumes.is_nifti(name):
                sources.append(import_volumes.VolumeSource(name if not zipped or name.lower().endswith(".zip")
                                                           else f"{name}.zip", target))
            else:
                loose.append(media_import.MediaFile(name, target))
    finally:
        await form.close()
    if loose:
        sources.append(import_volumes.VolumeSource("upload", files=tuple(loose)))
    return sources


def _spool_uploads(uploads: list[UploadFile], workdir: Path, collected, limits: MediaLimits) -> None:
    for index, upload in enumerate(uploads):
        name = PurePosixPath((upload.filename or f"file-{index + 1}").replace("\\", "/")).name or f"file-{index + 1}"
        upload.file.seek(0)
        if name.lower().endswith(".zip") or upload.file.read(4) == b"PK\x03\x04":
            upload.file.seek(0)
            media_import.collect_zip(upload.file, name, workdir, collected, limits=limits)
            continue
        upload.file.seek(0)
        if media_import.media_kind(name) is None:
            collected.ignore(name)
            continue
        target = workdir / f"upload-{index:06d}{PurePosixPath(name).suffix.lower()}"
        size = media_import.copy_upload(upload.file, target, limit=limits.max_file_bytes, name=name)
        media_import.tally_bytes(collected, name, size, limits)
        collected.files.append(media_import.MediaFile(name, target))
