"""The pure PDF helpers: zoom steps, text-layer boxes, refusals naming the file."""

import io

import pytest
from PIL import Image

from labelwise.errors import Invalid
from labelwise.storage import pdf
from tests.pdf_helpers import make_pdf


@pytest.mark.parametrize("asked, rendered", [(0.01, 0.25), (1.1, 1.0), (1.2, 1.25), (3.0, 3.0), (16, 4.0)])
def test_scales_are_clamped_to_quarter_steps(asked, rendered):
    assert pdf.clamp_scale(asked) == rendered


def test_rendering_follows_the_scale_and_spaces_have_no_box():
    data = make_pdf(1, lines=lambda _: ["A B"])
    assert Image.open(io.BytesIO(pdf.render_page(data, "a.pdf", 0, 0.5))).size == (306, 396)
    layer = pdf.page_text(data, "a.pdf", 0)
    assert layer["text"] == "A B" and layer["boxes"][1] == [0, 0, 0, 0]
    assert all(w > 0 and h > 0 for _, _, w, h in (layer["boxes"][0], layer["boxes"][2]))


def test_a_missing_page_and_an_encrypted_file_are_named():
    with pytest.raises(Invalid, match="a.pdf: page 3 does not exist \\(the PDF has 2 pages\\)"):
        pdf.page_text(make_pdf(2), "a.pdf", 2)
    with pytest.raises(Invalid, match="secret.pdf: the PDF is encrypted"):
        pdf.inspect_pdf(make_pdf(1, encrypt=True), "secret.pdf")
