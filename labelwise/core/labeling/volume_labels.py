"""A task's masks on a medical volume as one label volume: DICOM SEG (highdicom, referencing the stored
de-identified series) or NIfTI on the source grid, for one annotation or the task's consensus; and the
agreement between its annotators per structure (Dice, HD95 in mm)."""

from itertools import combinations

from sqlalchemy import select

from labelwise.core.labeling.tasks import get_task
from labelwise.core.media import volume_slices
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, NotFound
from labelwise.formats.volume_exports import mask_labels, nifti_label_image
from labelwise.quality.volumes import structure_agreement
from labelwise.schema.volume_masks import label_volume
from labelwise.storage import volume_seg
from labelwise.store.models import Annotation, Project, User

FORMATS = ("seg", "nifti")


def task_labels(session, user: User, task_id: int, object_name: str, fmt: str, *, storage,
                annotation_id: int | None = None) -> tuple[bytes, str]:
    """(file bytes, file name) of the label volume of `annotation_id`, or else the consensus, or else the
    first submitted annotation. Annotators may export only their own annotation."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", field="format")
    view = get_task(session, user, task_id)
    task = view.task
    schema = project_schema(session.get(Project, task.project_id))
    spec = schema.objects.get(object_name)
    if spec is None or spec.type != "dicom":
        raise NotFound(f"the project has no dicom object '{object_name}'")
    value = (task.data or {}).get(spec.field)
    if not isinstance(value, dict) or not str(value.get("src", "")).endswith(".npz"):
        raise Invalid(f"data.{spec.field} of task {task_id} is not an imported volume", field=f"data.{spec.field}")
    result = _result(session, user, task, view.role, annotation_id)
    controls, labels = mask_labels(schema, object_name)
    key = value["src"].split("/media/", 1)[1]
    session.close()
    if fmt == "nifti":
        return nifti_label_image(result, value, controls, labels).to_bytes(), f"task_{task_id}_labels.nii"
    volume = volume_slices.volume(storage, key)
    regions = [region for name in controls for region in (result.get(name) or ())]
    labels_volume = label_volume(regions, volume.voxels.shape, labels)
    return volume_seg.seg_bytes(volume, labels_volume, labels), f"task_{task_id}_seg.dcm"


def task_agreement(session, user: User, task_id: int, object_name: str) -> dict:
    """Dice and HD95 per structure for every pair of submitted annotations of the task (reviewers and managers)."""
    view = get_task(session, user, task_id)
    task = view.task
    authorize(session, user, task.project_id, Role.REVIEWER)
    schema = project_schema(session.get(Project, task.project_id))
    spec = schema.objects.get(object_name)
    if spec is None or spec.type != "dicom":
        raise NotFound(f"the project has no dicom object '{object_name}'")
    value = (task.data or {}).get(spec.field) or {}
    try:
        shape = (int(value["slices"]), int(value["height"]), int(value["width"]))
        spacing = [float(v) for v in value["spacing"]][::-1]  # (z, y, x)
    except (KeyError, TypeError, ValueError):
        raise Invalid(f"data.{spec.field} of task {task_id} is not an imported volume", field=f"data.{spec.field}")
    controls, labels = mask_labels(schema, object_name)
    rows = session.scalars(select(Annotation).where(Annotation.task_id == task.id, Annotation.status == "submitted")
                           .order_by(Annotation.id)).all()
    volumes = {row.id: label_volume([r for name in controls for r in ((row.result or {}).get(name) or ())], shape,
                                    labels) for row in rows}
    pairs = []
    for a, b in combinations(rows, 2):
        scores = structure_agreement(volumes[a.id], volumes[b.id], labels, spacing)
        pairs.append({"annotations": [a.id, b.id], "users": [a.user_id, b.user_id], "structures": [
            {"label": s.label, "dice": round(s.dice, 6), "hausdorff95_mm": None if s.hausdorff95_mm is None
             else round(s.hausdorff95_mm, 4), "voxels": [s.voxels_a, s.voxels_b]} for s in scores]})
    mean = {}
    for label in labels:
        dice = [s["dice"] for pair in pairs for s in pair["structures"] if s["label"] == label]
        hd = [s["hausdorff95_mm"] for pair in pairs for s in pair["structures"]
              if s["label"] == label and s["hausdorff95_mm"] is not None]
        mean[label] = {"dice": round(sum(dice) / len(dice), 6) if dice else None,
                       "hausdorff95_mm": round(sum(hd) / len(hd), 4) if hd else None}
    return {"task": task.id, "labels": labels, "pairs": pairs, "mean": mean}


def _result(session, user: User, task, role: Role, annotation_id: int | None) -> dict:
    if annotation_id is not None:
        annotation = session.get(Annotation, annotation_id)
        if annotation is None or annotation.task_id != task.id or (
                role == Role.ANNOTATOR and annotation.user_id != user.id):
            raise NotFound(f"annotation {annotation_id} of task {task.id} not found")
        return annotation.result or {}
    if task.consensus:
        return task.consensus
    query = select(Annotation).where(Annotation.task_id == task.id, Annotation.status == "submitted")
    if role == Role.ANNOTATOR:
        query = query.where(Annotation.user_id == user.id)
    first = session.scalars(query.order_by(Annotation.id)).first()
    if first is None:
        raise NotFound(f"task {task.id} has no submitted annotation to export")
    return first.result or {}
