"""PDFs written by hand for the document tests: pages of Helvetica text (a real text layer), an encrypted
one and a corrupt one. No PDF library is needed to make them; pdfium reads them like any other."""

PDF_SCHEMA = {
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "fields": {"type": "boxes", "object": "doc", "labels": ["header", "question", "answer"]},
    },
}
PAGE_SIZE = (612, 792)  # US letter, points


def page_lines(page: int) -> list[str]:
    return [f"Invoice page {page + 1}", "Date: 2026-12-01", f"Total: {100 + page} EUR"]


def make_pdf(pages: int = 3, *, lines=page_lines, encrypt: bool = False) -> bytes:
    """A PDF of `pages` letter pages, each with the text `lines(page)` at 72 pt from the left, 14 pt Helvetica."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for page in range(pages):
        ops = [b"BT /F1 14 Tf"]
        for row, line in enumerate(lines(page)):
            text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
            ops.append(b"1 0 0 1 72 %d Tm (%s) Tj" % (PAGE_SIZE[1] - 72 - 24 * row, text))
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >> "
                        b"/Contents %d 0 R >>" % (tree, *PAGE_SIZE, font, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids), len(kids))
    encrypt_ref = b""
    if encrypt:  # the standard handler with a user password we never tell: pdfium asks for it
        number = add(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (b"ab" * 32, b"cd" * 32))
        encrypt_ref = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (number, b"01" * 16, b"01" * 16)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, encrypt_ref, xref)
    return bytes(out)


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nthis is not a pdf any more"


FORM_SCHEMA = {
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "entities": {"type": "spans", "object": "doc", "labels": ["total", "date"]},
        "fields": {"type": "boxes", "object": "doc", "labels": ["question", "answer"]},
    },
}
