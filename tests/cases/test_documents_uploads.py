"""The one check every upload passes (cases/documents/uploads.py): by content, not by name; empty,
too large and wrong types refused with a clear, translated message."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cases.documents.uploads import IMAGE_TYPES, UploadField, check_file, display_name, max_upload_bytes
from tests.helpers import EXE, GIF, JPEG, PDF, PNG, TEXT


def upload(content: bytes, name: str = "scan.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PDF, "Vollmacht.pdf", "application/pdf"),
        (JPEG, "scan.jpg", "image/jpeg"),
        (PNG, "scan.png", "image/png"),
        (PDF, "no-extension", "application/pdf"),
        (PNG, "looks-like.pdf", "image/png"),  # the content decides, not the name
    ],
)
def test_pdf_jpeg_and_png_are_accepted_by_their_content(content, name, expected):
    file = upload(content, name, content_type="application/octet-stream")
    assert check_file(file) == expected
    assert file.tell() == 0  # left at its start, ready to be stored


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (EXE, "Unterschrift.pdf", "application/pdf"),  # a renamed program
        (GIF, "scan.gif", "image/gif"),
        (TEXT, "bericht.pdf", "application/pdf"),
        (b"<html><script>alert(1)</script>", "scan.png", "image/png"),
        (b" %PDF-1.7", "scan.pdf", "application/pdf"),  # the signature must open the file
    ],
)
def test_other_content_is_refused_whatever_its_name_and_declared_type(content, name, content_type):
    with pytest.raises(ValidationError) as refused:
        check_file(upload(content, name, content_type))
    assert refused.value.code == "wrong_type"
    assert "PDF / JPEG / PNG" in refused.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        check_file(upload(b""))
    assert refused.value.code == "empty"


def test_a_file_above_the_limit_is_refused_and_the_limit_comes_from_the_setting(settings):
    settings.IIZ_UPLOAD_MAX_BYTES = 1024
    assert max_upload_bytes() == 1024
    check_file(upload(PDF + b"x" * (1024 - len(PDF))))  # exactly the limit
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        check_file(upload(PDF + b"x" * (3000 - len(PDF))))
    assert refused.value.code == "too_large"
    assert refused.value.messages == ["Die Datei ist zu gross (2,9\xa0KB): höchstens 1,0\xa0KB sind möglich."]


def test_the_default_limit_is_20_mb(settings):
    del settings.IIZ_UPLOAD_MAX_BYTES
    assert max_upload_bytes() == 20 * 1024 * 1024


def refusal(content: bytes, **options) -> list[str]:
    """The messages of the refusal, read in the active language (they are lazy)."""
    with pytest.raises(ValidationError) as refused:
        check_file(upload(content), **options)
    return refused.value.messages


def test_the_messages_are_translated():
    with translation.override("de"):
        assert refusal(b"") == ["Die Datei ist leer."]
        assert "keine PDF / JPEG / PNG-Datei" in refusal(EXE)[0]
    with translation.override("fr"):
        assert refusal(b"") == ["Le fichier est vide."]
        message = refusal(GIF, types=IMAGE_TYPES)[0]
        assert "PNG / JPEG" in message and "contenu" in message


def test_the_logo_takes_only_png_and_jpeg_up_to_its_own_limit():
    assert check_file(upload(PNG, "logo.png"), types=IMAGE_TYPES, max_bytes=1024 * 1024) == "image/png"
    with pytest.raises(ValidationError):
        check_file(upload(PDF, "logo.pdf"), types=IMAGE_TYPES)
    with pytest.raises(ValidationError) as refused:
        check_file(upload(PNG + b"\x00" * 2000, "logo.png"), types=IMAGE_TYPES, max_bytes=1000)
    assert refused.value.code == "too_large"


def test_the_form_field_reports_the_check_as_a_field_error():
    field = UploadField()
    with pytest.raises(ValidationError) as refused:
        field.clean(upload(EXE, "scan.pdf"))
    assert refused.value.code == "wrong_type"
    with pytest.raises(ValidationError) as refused:
        field.clean(upload(b""))
    assert refused.value.code == "empty"
    cleaned = field.clean(upload(JPEG, "scan.jpg", "image/jpeg"))
    assert cleaned.checked_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("Arztbericht Dr. Imboden.pdf", "application/pdf", "Arztbericht Dr. Imboden.pdf"),
        ("Arztbericht.PDF", "application/pdf", "Arztbericht.PDF"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\sam\\Scan Vollmacht.jpeg", "image/jpeg", "Scan Vollmacht.jpeg"),
        ('bad"name\r\n.png', "image/png", "bad_name.png"),
        ("scan.exe", "application/pdf", "scan.exe.pdf"),
        ("", "image/png", "document.png"),
        ("é" * 300 + ".pdf", "application/pdf", "é" * 116 + ".pdf"),
    ],
)
def test_the_original_name_is_cleaned_for_display_and_download(name, content_type, expected):
    assert display_name(name, content_type) == expected


def test_the_content_is_read_from_any_file_object():
    assert check_file(type("F", (io.BytesIO,), {"size": len(PDF)})(PDF)) == "application/pdf"
