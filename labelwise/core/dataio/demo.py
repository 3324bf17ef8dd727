"""The demo: a login and projects seeded from the small samples shipped in `labelwise/demo/`.

Besides the spam/ham project, two chat projects start from the "LLM chat evaluation" and
"Preference (RLHF)" templates, with conversations imported through the chat format. Given the media
storage, a LIDAR project starts from the "lidar_cuboids" template with a synthetic five-frame sequence
made here (`core.dataio.lidar_demo`: a ground plane and boxes with known poses, 120k points a frame),
and a CT project from the "ct_segmentation" template with a synthetic series (`core.dataio.ct_demo`),
imported and de-identified like an uploaded one.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.accounts import users
from labelwise.core.dataio import ct_demo, import_volumes, importing, lidar_demo, media_import
from labelwise.core.media.media import MediaLimits
from labelwise.core.projects import projects
from labelwise.formats import chat, jsonl
from labelwise.schema import TEMPLATES, parse_schema
from labelwise.storage import Storage
from labelwise.store.models import Project, User

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "labelwise-demo"
DEMO_PROJECT = "YouTube comments: spam or ham"
# project name -> (template, conversations file under demo/chat/)
CHAT_DEMOS = {
    "Support chats: LLM chat evaluation": ("llm_chat_evaluation", "evaluation.jsonl"),
    "Chat replies: preference (RLHF)": ("preference_rlhf", "preference.jsonl"),
}
LIDAR_DEMO = "LIDAR sweeps: 3D cuboids (synthetic)"
LIDAR_FRAMES = 5
LIDAR_POINTS = 120_000
CT_DEMO = "CT volumes: masks and measurements (synthetic)"
CT_SLICES = 48


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    project_id: int


def seed_demo(session: Session, *, storage: Storage | None = None) -> DemoLogin:
    """Create the demo user and projects once; later runs find and reuse them. The LIDAR project needs the
    media `storage` its sweeps are stored in."""
    user = session.scalar(select(User).where(User.username == DEMO_USER))
    if user is None:
        user = users.create_user(session, username=DEMO_USER, password=DEMO_PASSWORD, is_admin=True)
    project = session.scalar(select(Project).where(Project.name == DEMO_PROJECT).order_by(Project.id))
    if project is None:
        project = projects.create_project(
            session,
            user,
            name=DEMO_PROJECT,
            label_schema=(DEMO_DIR / "schema.yaml").read_text(encoding="utf-8"),
            description="120 real YouTube comments (UCI YouTube Spam Collection, CC BY 4.0).",
            guidelines=(DEMO_DIR / "guidelines.md").read_text(encoding="utf-8"),
            settings={"overlap": 1},
        )
        with (DEMO_DIR / "comments.jsonl").open("rb") as fp:
            importing.import_tasks(session, user, project.id, jsonl.read(fp))
    for name, (template, file_name) in CHAT_DEMOS.items():
        _seed_chat(session, user, name, template, file_name)
    if storage is not None:
        _seed_lidar(session, user, storage)
        _seed_ct(session, user, storage)
    return DemoLogin(DEMO_USER, DEMO_PASSWORD, project.id)


def _seed_chat(session: Session, user: User, name: str, template: str, file_name: str) -> None:
    if session.scalar(select(Project.id).where(Project.name == name).limit(1)) is not None:
        return
    spec = TEMPLATES[template]
    project = projects.create_project(session, user, name=name, label_schema=spec["schema"],
                                      description=f"{spec['description']} Made-up conversations.",
                                      settings={"overlap": 1})
    with (DEMO_DIR / "chat" / file_name).open("rb") as fp:
        importing.import_tasks(session, user, project.id, chat.read(fp, schema=parse_schema(spec["schema"])))


def _seed_lidar(session: Session, user: User, storage: Storage) -> None:
    if session.scalar(select(Project.id).where(Project.name == LIDAR_DEMO).limit(1)) is not None:
        return
    spec = TEMPLATES["lidar_cuboids"]
    project = projects.create_project(session, user, name=LIDAR_DEMO, label_schema=spec["schema"],
                                      description=f"{spec['description']} A synthetic sequence of "
                                                  f"{LIDAR_FRAMES} sweeps made here.", settings={"overlap": 1})
    with tempfile.TemporaryDirectory(prefix="labelwise-lidar-demo-") as work:
        files = []
        for name, content in lidar_demo.sequence(LIDAR_FRAMES, points=LIDAR_POINTS):
            path = Path(work) / name
            path.write_bytes(content)
            files.append(media_import.MediaFile(name, path))
        media_import.import_media(session, user, project.id, files, storage=storage, limits=MediaLimits(),
                                  sequence=True)


def _seed_ct(session: Session, user: User, storage: Storage) -> None:
    if session.scalar(select(Project.id).where(Project.name == CT_DEMO).limit(1)) is not None:
        return
    spec = TEMPLATES["ct_segmentation"]
    project = projects.create_project(session, user, name=CT_DEMO, label_schema=spec["schema"],
                                      description=f"{spec['description']} A synthetic {CT_SLICES}-slice CT "
                                                  "series made here.", settings={"overlap": 1})
    with tempfile.TemporaryDirectory(prefix="labelwise-ct-demo-") as work:
        files = []
        for index, (name, content) in enumerate(ct_demo.ct_slices(CT_SLICES)):
            path = Path(work) / f"slice-{index:04d}"
            path.write_bytes(content)
            files.append(media_import.MediaFile(name, path))
        source = import_volumes.VolumeSource("synthetic-ct", files=tuple(files))
        import_volumes.import_volumes(session, user, project.id, [source], storage=storage, limits=MediaLimits())
