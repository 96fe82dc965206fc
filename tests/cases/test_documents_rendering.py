"""The one PDF module (cases/documents/rendering.py): a template rendered with WeasyPrint in the
language asked for, on A4 with the letterhead, the document date and "Seite 1 von 3" /
"page 1 de 3" in the footer, set in the DejaVu font shipped with the project; the URL
fetcher serves the project's static files and nothing else."""

import datetime
import io
import socket

import pypdf
import pytest
from fontTools.ttLib import TTFont

from cases.documents import rendering
from cases.documents.rendering import ResourceRefused, StaticFilesFetcher, render_pdf

TEST_TEMPLATE = """{% extends "pdf/base.html" %}
{% block content %}
<h2>Zürcher Hélène</h2>
{% for n in paragraphs %}<p>Absatz {{ n }}: Arbeitsfähigkeit, Massnahmen, Standortbestimmung, Sozialhilfe.</p>{% endfor %}
{% if external %}<img src="http://example.org/x.png" alt=""><img src="file:///etc/passwd" alt="">{% endif %}
<script>document.write("script ran")</script>
{% endblock %}
"""


@pytest.fixture
def pdf_template(db, settings, tmp_path):
    """A document extending pdf/base.html, from a template folder of the test (the
    letterhead is read from the database)."""
    (tmp_path / "pdf_test").mkdir()
    (tmp_path / "pdf_test" / "doc.html").write_text(TEST_TEMPLATE, encoding="utf-8")
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [tmp_path, *engines[0]["DIRS"]]
    settings.TEMPLATES = engines
    return "pdf_test/doc.html"


def render(template, *, language="de", paragraphs=3, external=False, **context):
    context = {
        "title": "Testdokument",
        "paragraphs": range(paragraphs),
        "external": external,
        "document_date": datetime.date(2025, 3, 14),
        **context,
    }
    return render_pdf(template, context, language=language)


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


# --- language, letterhead, date, page numbers ----------------------------------------------


def test_a_german_document_has_the_letterhead_the_date_and_seite_x_von_y(pdf_template):
    reader = read(render(pdf_template, language="de", paragraphs=150))
    pages = text_of(reader)
    assert len(pages) >= 3
    first = pages[0]
    assert "Kanton Wallis / Canton du Valais — IIZ / CII" in first
    assert "Kantonale Stelle für interinstitutionelle Zusammenarbeit (IIZ)" in first
    assert "Sitten, 14. März 2025" in first
    assert "Testdokument" in first
    assert "Zürcher Hélène" in first
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text
    assert "page 1 de" not in first


def test_a_french_document_has_page_x_de_y_and_the_french_date(pdf_template):
    reader = read(render(pdf_template, language="fr", paragraphs=150))
    pages = text_of(reader)
    assert "Sion, 14 mars 2025" in pages[0]
    assert "Office cantonal de la collaboration interinstitutionnelle (CII)" in pages[0]
    assert f"page 1 de {len(pages)}" in pages[0]
    assert f"page {len(pages)} de {len(pages)}" in pages[-1]
    assert "Seite" not in pages[0]


def test_the_page_is_a4_and_the_pdf_carries_title_author_and_language(pdf_template):
    reader = read(render(pdf_template, language="fr"))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    assert reader.metadata.title == "Testdokument"
    assert reader.metadata.author == "Kanton Wallis / Canton du Valais — IIZ / CII"
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_the_language_is_only_switched_while_rendering(pdf_template):
    from django.utils import translation

    with translation.override("de"):
        render(pdf_template, language="fr")
        assert translation.get_language() == "de"


def test_the_letterhead_can_be_overridden_by_a_setting(pdf_template, settings):
    settings.IIZ_LETTERHEAD = {
        "name": "Testkanton Entremont",
        "place": {"de": "Martinach", "fr": "Martigny"},
        "phone": "027 000 00 00",
    }
    first = text_of(read(render(pdf_template, language="fr")))[0]
    assert "Testkanton Entremont" in first
    assert "Martigny, 14 mars 2025" in first
    assert "Téléphone 027 000 00 00" in first
    assert "Kanton Wallis" not in first


def test_script_elements_are_not_run(pdf_template):
    text = "".join(text_of(read(render(pdf_template))))
    assert "script ran" not in text


# --- the font shipped with the project -------------------------------------------------------


def embedded_fonts(reader: pypdf.PdfReader) -> dict[str, str]:
    """{PDF font name without subset prefix: PostScript name of the embedded font program}."""
    found = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            found[name] = program["name"].getDebugName(6)
    return found


def test_the_pdf_embeds_only_the_dejavu_font_shipped_with_the_project(pdf_template):
    fonts = embedded_fonts(read(render(pdf_template)))
    # Named after the @font-face family of static/pdf/pdf.css: no system font was used.
    assert fonts == {"IIZ-DejaVu-Sans": "DejaVuSans", "IIZ-DejaVu-Sans-Bold": "DejaVuSans-Bold"}


def test_the_font_files_come_from_the_static_folder(pdf_template, monkeypatch):
    asked = []
    original = StaticFilesFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFilesFetcher, "fetch", spy)
    render(pdf_template)
    base = rendering.static_base_url()
    assert base + "fonts/DejaVuSans.ttf" in asked
    assert base + "fonts/DejaVuSans-Bold.ttf" in asked
    assert base + "pdf/pdf.css" in asked
    assert base + "img/logo.svg" in asked


def test_the_font_licence_is_shipped_beside_the_fonts():
    from django.contrib.staticfiles import finders

    with open(finders.find("fonts/LICENSE"), encoding="utf-8") as file:
        licence = file.read()
    assert "Bitstream" in licence and "DejaVu" in licence
    assert "Permission is hereby granted" in licence


# --- the URL fetcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.png",
        "https://example.org/x.png",
        "file:///etc/passwd",
        "ftp://example.org/x.png",
        "/etc/passwd",
        "img/logo.svg",  # relative without the documents' base: nothing to resolve it against
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "https://static.iiz.invalid/static/../settings.py",
        "https://static.iiz.invalid/elsewhere/img/logo.svg",
        "/static/img/no-such-file.svg",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher().fetch(url)


@pytest.mark.parametrize("url", ["/static/img/logo.svg", "https://static.iiz.invalid/static/img/logo.svg"])
def test_the_fetcher_serves_the_projects_static_files(url):
    response = StaticFilesFetcher().fetch(url)
    assert response.content_type == "image/svg+xml"
    assert b"<svg" in response.read()


def test_relative_urls_resolve_against_the_static_files():
    from urllib.parse import urljoin

    css = urljoin(rendering.static_base_url(), "/static/pdf/pdf.css")
    font = urljoin(css, "../fonts/DejaVuSans.ttf")
    response = StaticFilesFetcher().fetch(font)
    assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font


def test_the_fetcher_decodes_data_urls():
    response = StaticFilesFetcher().fetch("data:text/plain;base64,SGFsbG8=")
    assert response.read() == b"Hallo"


def test_a_document_naming_external_resources_renders_without_any_connection(pdf_template, monkeypatch, caplog):
    def no_network(*args, **kwargs):
        raise AssertionError("a PDF render opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    pdf = render(pdf_template, external=True)
    assert "Zürcher Hélène" in text_of(read(pdf))[0]
    refused = [r.getMessage() for r in caplog.records if r.name == "cases.documents.rendering"]
    assert any("http://example.org/x.png" in message for message in refused)
    assert any("file:///etc/passwd" in message for message in refused)


def test_the_page_counter_is_a_css_string_in_the_active_language():
    from django.utils import translation

    with translation.override("de"):
        assert rendering.page_counter_content() == '"Seite " counter(page) " von " counter(pages)'
    with translation.override("fr"):
        assert rendering.page_counter_content() == '"page " counter(page) " de " counter(pages)'
