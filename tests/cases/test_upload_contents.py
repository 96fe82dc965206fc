"""Uploads are opened as what they claim to be (cases/documents/inspection.py): PDFs without
active content, embedded files or decompression bombs, images under a pixel limit, and a
virus scan where clamd is configured (issue 18 point 12)."""

import io
import socket
import struct
import threading
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from cases.documents.uploads import check_file
from cases.models import CaseFile
from tests.helpers import JPEG, PDF, PNG

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def upload(content: bytes, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(content: bytes, name: str = "scan.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        check_file(upload(content, name))
    return refused.value


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def pdf_with_open_action_javascript() -> bytes:
    writer = blank_writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi')")}
    )
    return written(writer)


def pdf_with_hex_escaped_javascript() -> bytes:
    # "/J#61vaScript" is "/JavaScript" to a reader: the check reads names as pypdf decodes them.
    return pdf_with_open_action_javascript().replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def pdf_with_embedded_file() -> bytes:
    writer = blank_writer()
    writer.add_attachment("rechnung.exe", b"MZ\x90\x00 a program")
    return written(writer)


def pdf_with_launch_action_on_the_page() -> bytes:
    writer = blank_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
            )
        }
    )
    return written(writer)


def pdf_with_content_of(size: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``size`` bytes (of spaces)."""
    writer = blank_writer()
    stream = DecodedStreamObject()
    stream.set_data(b" " * size)
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    return written(writer)


def png_header_of(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header announces ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit grey
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (pdf_with_open_action_javascript, "active_content"),
        (pdf_with_hex_escaped_javascript, "active_content"),
        (pdf_with_embedded_file, "active_content"),
        (pdf_with_launch_action_on_the_page, "active_content"),
        (lambda: b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n", "malformed"),
        (lambda: PDF[: len(PDF) // 2], "malformed"),
    ],
    ids=["open-action-js", "hex-escaped-js", "embedded-file", "launch-action", "html-behind-pdf", "truncated"],
)
def test_pdfs_with_active_content_or_malformed_are_refused(make, code):
    assert refusal(make()).code == code


def test_the_refusals_are_translated():
    with translation.override("de"):
        assert "aktive Inhalte" in refusal(pdf_with_open_action_javascript()).messages[0]
    with translation.override("fr"):
        assert "contenu actif" in refusal(pdf_with_embedded_file()).messages[0]
        assert "pixels" in refusal(png_header_of(30_000, 30_000), "huge.png").messages[0]


def test_a_pdf_that_inflates_beyond_the_limit_is_refused(settings):
    settings.IIZ_UPLOAD_MAX_INFLATED_BYTES = 1_000_000
    bomb = pdf_with_content_of(3_000_000)
    assert len(bomb) < 20_000  # small on disk
    assert refusal(bomb).code == "too_large_inflated"
    assert check_file(upload(pdf_with_content_of(500_000))) == "application/pdf"  # under the limit


def test_a_huge_png_is_refused_before_it_is_decoded():
    huge = png_header_of(30_000, 30_000)
    assert len(huge) < 200
    assert refusal(huge, "scan.png").code == "too_many_pixels"


def test_the_pixel_limit_is_a_setting(settings):
    settings.IIZ_UPLOAD_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (1200, 1000)).save(out, "PNG")
    assert refusal(out.getvalue(), "scan.png").code == "too_many_pixels"
    settings.IIZ_UPLOAD_MAX_PIXELS = 2_000_000
    assert check_file(upload(out.getvalue(), "scan.png")) == "image/png"


def test_a_damaged_image_is_refused():
    assert refusal(PNG[:40], "scan.png").code == "malformed"


@pytest.mark.parametrize(("content", "expected"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_valid_files_still_pass(content, expected):
    assert check_file(upload(content)) == expected


# --- the virus scan -----------------------------------------------------------------------------


class FakeClamd:
    """A clamd speaking INSTREAM on a local TCP port: FOUND when the stream holds EICAR."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def read_exactly(self, conn, size):
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += conn.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while size := struct.unpack("!L", self.read_exactly(conn, 4))[0]:
                    data += self.read_exactly(conn, size)
                self.received.append(data)
                verdict = b"stream: Win.Test.EICAR_HDB-1 FOUND\0" if EICAR in data else b"stream: OK\0"
                conn.sendall(verdict)

    def close(self):
        self.server.close()


@pytest.fixture
def clamd(settings):
    fake = FakeClamd()
    settings.IIZ_CLAMD_SOCKET = fake.address
    yield fake
    fake.close()


def test_a_clean_file_is_scanned_and_passes(clamd):
    assert check_file(upload(PDF)) == "application/pdf"
    assert clamd.received == [PDF]  # the whole file went to the scanner


def test_an_infected_file_is_refused(clamd):
    infected = PDF + b"%" + EICAR + b"\n"  # a valid PDF with the test signature in a comment
    with translation.override("de"):
        error = refusal(infected)
    assert error.code == "infected" and "Virenprüfung" in error.messages[0]


def test_a_scanner_that_does_not_answer_refuses_the_upload(settings):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    settings.IIZ_CLAMD_SOCKET = f"127.0.0.1:{port}"
    assert refusal(PDF).code == "scan_unavailable"


def test_without_a_scanner_nothing_is_scanned(settings):
    settings.IIZ_CLAMD_SOCKET = ""
    assert check_file(upload(PDF)) == "application/pdf"


def test_an_active_pdf_posted_as_attachment_is_not_stored(client, make_case, secretariat, media):
    case = make_case("implementation")
    client.force_login(secretariat)
    response = client.post(
        reverse("cases:new_attachment", args=[case.pk]),
        {"category": "other", "description": "", "file": upload(pdf_with_open_action_javascript())},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not CaseFile.objects.exists()
