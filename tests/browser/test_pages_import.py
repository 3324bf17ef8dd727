"""Import page: JSONL and CSV files go to the server as-is; bad rows come back with line numbers."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from labelwise.store.models import Task
from tests.browser.pages_helpers import login, screenshot
from tests.factories import make_project, make_user


def _count(session, project_id):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id))


def test_import_jsonl_and_csv_files(page, web_session, tmp_path):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    jsonl = tmp_path / "reviews.jsonl"
    jsonl.write_text('{"text": "Great phone"}\n{"text": "Awful battery", "external_id": "r2"}\n{"text": "Fine"}\n')
    csv = tmp_path / "more.csv"
    csv.write_text('text,external_id\n"Hello, world",c1\nSecond row,c2\n')
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Upload a file").set_input_files(str(jsonl))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-count")).to_have_text("Imported 3 tasks")
    screenshot(page, "import")
    assert _count(web_session, project.id) == 3

    page.get_by_label("Upload a file").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-count")).to_have_text("Imported 2 tasks")
    assert _count(web_session, project.id) == 5
    texts = set(web_session.scalars(select(Task.data["text"].as_string()).where(Task.project_id == project.id)))
    assert "Hello, world" in texts

    # Pasted TSV, format chosen by hand.
    page.get_by_label("…or paste the data").fill("text\tmeta_note\nPasted one\tx\n")
    page.get_by_label("Format").select_option("tsv")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-count")).to_have_text("Imported 1 task")
    assert _count(web_session, project.id) == 6


def test_a_bad_file_shows_every_bad_line_and_imports_nothing(page, web_session, tmp_path):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n\"just a string\"\n[1, 2]\n{"text": "fine"}\n')
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    table = page.locator(".errors-table")
    expect(table.locator("caption")).to_have_text("2 bad rows")
    expect(table.locator("tbody tr").nth(0).locator("td").first).to_have_text("2")
    expect(table.locator("tbody tr").nth(1).locator("td").first).to_have_text("3")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.")
    screenshot(page, "import-errors")
    assert _count(web_session, project.id) == 0  # the job failed as a whole: no HTTP error, no console error


def test_media_files_upload_as_tasks(page, web_session, tmp_path):
    from io import BytesIO

    from PIL import Image

    alice = make_user(web_session, "alice")
    schema = {"objects": {"photo": {"type": "image"}},
              "controls": {"boxes": {"type": "boxes", "object": "photo", "labels": ["car"]}}}
    project = make_project(web_session, alice.user, schema=schema)
    paths = []
    for index, color in enumerate(("red", "blue")):
        buffer = BytesIO()
        Image.new("RGB", (40 + index, 30), color).save(buffer, format="PNG")
        path = tmp_path / f"photo{index}.png"
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Choose files or zips").set_input_files(paths)
    page.get_by_role("button", name="Upload media").click()
    expect(page.locator(".media-count")).to_have_text("Imported 2 media tasks")
    assert _count(web_session, project.id) == 2


def test_a_large_import_shows_job_progress(page, web_session, tmp_path):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    rows = tmp_path / "many.jsonl"
    rows.write_text("".join(f'{{"text": "row {i}"}}\n' for i in range(20000)))
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Upload a file").set_input_files(str(rows))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".import-progress progress")).to_be_attached()
    expect(page.locator(".import-count")).to_have_text("Imported 20,000 tasks", timeout=60_000)
    assert _count(web_session, project.id) == 20000


def test_pdf_files_upload_from_the_import_page_and_a_corrupt_one_is_named(page, web_session, tmp_path, console):
    from tests.pdf_helpers import PDF_SCHEMA, corrupt_pdf, make_pdf

    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=PDF_SCHEMA)
    good, bad = tmp_path / "invoice.pdf", tmp_path / "broken.pdf"
    good.write_bytes(make_pdf(3))
    bad.write_bytes(corrupt_pdf())
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Choose files or zips").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Upload media").click()
    expect(page.locator(".media-form [role=alert]")).to_contain_text("broken.pdf: not a readable PDF")
    assert _count(web_session, project.id) == 0
    console.errors.clear()  # the browser logged the 422 response
    page.get_by_label("Choose files or zips").set_input_files([str(good)])
    page.get_by_role("button", name="Upload media").click()
    expect(page.locator(".media-count")).to_contain_text("Imported 1 media task")
    assert _count(web_session, project.id) == 1


def test_dicom_zips_upload_from_the_import_page_and_a_non_dicom_file_is_named(page, web_session, tmp_path, console):
    from tests.dicom_helpers import DICOM_SCHEMA, series_files, zip_bytes

    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=DICOM_SCHEMA)
    good, bad = tmp_path / "chest.zip", tmp_path / "mixed.zip"
    good.write_bytes(zip_bytes(series_files()))
    bad.write_bytes(zip_bytes(series_files() + [("series/notes.txt", b"not an image")]))
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/import")
    page.get_by_label("Choose zips, NIfTI or DICOM files").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Upload volumes").click()
    expect(page.locator(".volume-form [role=alert]")).to_contain_text("'series/notes.txt' is not a DICOM file")
    assert _count(web_session, project.id) == 0
    console.errors.clear()  # the browser logged the 422 response
    page.get_by_label("Choose zips, NIfTI or DICOM files").set_input_files([str(good)])
    page.get_by_role("button", name="Upload volumes").click()
    expect(page.locator(".media-count")).to_contain_text("Imported 1 volume")
    expect(page.locator(".volume-form [role=status]")).to_contain_text("de-identified")
    assert _count(web_session, project.id) == 1
