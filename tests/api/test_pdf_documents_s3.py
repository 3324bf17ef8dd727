"""A PDF stored in S3 (moto's standalone server): pages rendered and text read from the bucket's bytes."""

import io

import pytest
from PIL import Image

from labelwise.settings import Settings
from tests.api.test_pdf_documents import only_task, upload, world  # noqa: F401
from tests.pdf_helpers import make_pdf
from tests.s3_server import moto_server, s3_config  # noqa: F401


@pytest.fixture
def settings(tmp_path, database_url, s3_config) -> Settings:  # noqa: F811
    return Settings(data_dir=tmp_path / "data", database_url=database_url, lease_seconds=600, **s3_config)


def test_pages_and_text_of_a_pdf_in_s3(client, world):  # noqa: F811
    owner, _, project = world
    assert upload(client, owner, project.id, [("invoice.pdf", make_pdf(2))]).status_code == 201
    src = only_task(client, owner, project.id)["data"]["doc"]["src"]
    page = client.get(src + "/pages/2.png", params={"scale": 0.5}, headers=owner.headers)
    assert page.status_code == 200 and Image.open(io.BytesIO(page.content)).size == (306, 396)
    assert "Invoice page 2" in client.get(src + "/pages/2/text", headers=owner.headers).json()["text"]
