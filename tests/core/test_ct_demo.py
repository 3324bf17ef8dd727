"""The demo's CT project: one de-identified synthetic series, seeded once, whose slices render."""

from sqlalchemy import select

from labelwise.core.dataio.demo import CT_DEMO, CT_SLICES, seed_demo
from labelwise.core.media import volume_slices
from labelwise.storage.local import LocalStorage
from labelwise.store.models import Project, Task


def test_the_ct_demo_is_one_deidentified_volume_seeded_once(session, tmp_path):
    storage = LocalStorage(tmp_path / "media")
    seed_demo(session, storage=storage)
    seed_demo(session, storage=storage)
    [project] = session.scalars(select(Project).where(Project.name == CT_DEMO)).all()
    [task] = session.scalars(select(Task).where(Task.project_id == project.id)).all()
    scan = task.data["scan"]
    assert (scan["slices"], scan["width"], scan["modality"]) == (CT_SLICES, 128, "CT")
    removed = {item["keyword"] for item in task.meta["deidentification"]["attributes"]}
    assert {"PatientName", "PatientID", "InstitutionName"} <= removed
    key = scan["src"].split("/media/", 1)[1]
    png, window = volume_slices.slice_png(storage, key, "coronal", 64, preset="lung")
    assert png[:4] == b"\x89PNG" and window == (-600.0, 1500.0)
