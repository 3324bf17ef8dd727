"""The demo: a login and a project seeded from the small sample shipped in `labelwise/demo/`."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.accounts import users
from labelwise.core.dataio import importing
from labelwise.core.projects import projects
from labelwise.formats import jsonl
from labelwise.store.models import Project, User

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "labelwise-demo"
DEMO_PROJECT = "YouTube comments: spam or ham"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    project_id: int


def seed_demo(session: Session) -> DemoLogin:
    """Create the demo user and project once; later runs find and reuse them."""
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
    return DemoLogin(DEMO_USER, DEMO_PASSWORD, project.id)
