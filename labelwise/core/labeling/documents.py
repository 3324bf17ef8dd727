"""The PDF of a task's pdf object in the stored form the viewer reads (`{"src", "pages", "page_sizes"}`).

A PDF given by reference (an http(s) URL or `s3://`, as Label Studio's `<Pdf value="$pdf">` tasks
hold it) is fetched by the server once, stored as a content-addressed blob of the project, and from
then on renders and reads its text through the same page routes as an uploaded PDF. The task's data
keeps the reference; only what the viewer is handed changes.
"""

from typing import Any

from labelwise.core.labeling.tasks import get_task
from labelwise.core.media import sources
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Project, User


def task_document(session, user: User, task_id: int, object_name: str, *, storage, settings) -> dict[str, Any]:
    """The stored form of the PDF in `object_name` of task `task_id` (anyone who may see the task)."""
    view = get_task(session, user, task_id)
    spec = project_schema(session.get(Project, view.task.project_id)).objects.get(object_name)
    if spec is None or spec.type != "pdf":
        raise NotFound(f"the project has no pdf object '{object_name}'")
    value = (view.task.data or {}).get(spec.field)
    project_id = view.task.project_id
    session.close()  # the fetch may take a while: hold no connection
    if isinstance(value, dict) and value.get("pages") is not None:
        return value
    if not sources.is_pdf_reference(value):
        raise Invalid(f"data.{spec.field} of task {task_id} is not a PDF reference (a URL or s3:// path ending in "
                      ".pdf)", field=f"data.{spec.field}")
    return sources.stored_pdf(storage, settings, sources.media_src(value), project_id=project_id)
