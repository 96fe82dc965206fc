"""The letterhead of every PDF, edited by the cantonal officer (cases/views/printing.py,
cases/documents/rendering.py): texts in German and French, a logo checked by its content and
embedded in the PDF without any fetch, every change kept in the history."""

import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import actions
from cases.actions import ActionRefused
from cases.documents import rendering
from cases.models import ActionPlan, Letterhead
from tests.helpers import EXE, PDF, person, text

pytestmark = pytest.mark.usefixtures("media")

FORM = {
    "name_de": "Kanton Wallis — Amt für IIZ",
    "name_fr": "Canton du Valais — Office de la CII",
    "office_de": "Dienststelle für Wirtschaft und Arbeit",
    "office_fr": "Service de l'économie et du travail",
    "address_de": "Avenue du Midi 7\n1950 Sitten",
    "address_fr": "Avenue du Midi 7\n1950 Sion",
    "place_de": "Sitten",
    "place_fr": "Sion",
    "phone": "027 606 00 00",
    "email": "iiz@admin.vs.ch",
    "web": "www.vs.ch/iiz",
}


def png(size=(60, 60), colour=(179, 19, 43)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def images_on_first_page(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images)


def save(client, **changes):
    return client.post(reverse("cases:letterhead"), {**FORM, **changes})


def test_without_a_row_the_default_and_the_setting_apply(db, settings):
    assert rendering.letterhead("fr")["office"] == "Office cantonal de la collaboration interinstitutionnelle (CII)"
    settings.IIZ_LETTERHEAD = {"name": "Testkanton"}
    assert rendering.letterhead("de")["name"] == "Testkanton"
    assert rendering.letterhead("de")["logo_src"].endswith("/static/img/logo.svg")


def test_the_officers_letterhead_is_printed_on_every_document_in_its_language(client, officer, make_case):
    client.force_login(officer)
    page = client.get(reverse("cases:letterhead")).content.decode()
    assert "Kantonale Stelle für interinstitutionelle Zusammenarbeit (IIZ)" in page  # the default, to start from
    assert save(client).status_code == 302
    german = make_case("closed", person=person("de"))
    french = make_case("closed", person=person("fr"))
    body = text(rendering.render_action_plan(ActionPlan.objects.get(case=german)))
    assert "Kanton Wallis — Amt für IIZ" in body and "Dienststelle für Wirtschaft und Arbeit" in body
    assert "Avenue du Midi 7 · 1950 Sitten · Telefon 027 606 00 00 · iiz@admin.vs.ch · www.vs.ch/iiz" in body
    assert "Sitten, " in body and "Kantonale Stelle für interinstitutionelle" not in body
    letter = text(rendering.render_closure_letter(french.closure))
    assert "Canton du Valais — Office de la CII" in letter and "Service de l'économie et du travail" in letter
    assert "Avenue du Midi 7, 1950 Sion" in letter  # the sender line above the address window
    assert "Sion, " in letter


def test_an_uploaded_logo_is_embedded_without_any_fetch(client, officer, make_case, monkeypatch):
    case = make_case("implementation")
    before = images_on_first_page(rendering.render_power_of_attorney_form(case))
    client.force_login(officer)
    assert save(client, new_logo=SimpleUploadedFile("wappen.pdf", png(), content_type="application/pdf")).status_code == 302
    row = Letterhead.objects.get()
    assert row.logo_type == "image/png" and row.logo.name.startswith("letterhead/") and row.logo.name.endswith(".png")

    fetched = []
    original = rendering.StaticFilesFetcher.fetch
    monkeypatch.setattr(
        rendering.StaticFilesFetcher,
        "fetch",
        lambda self, url, headers=None: fetched.append(url[:40]) or original(self, url, headers),
    )
    pdf = rendering.render_power_of_attorney_form(case)
    assert images_on_first_page(pdf) == before + 1
    assert any(url.startswith("data:image/png;base64,") for url in fetched)
    assert all(url.startswith(("data:", rendering.STATIC_ORIGIN)) for url in fetched)  # the logo and static files only


def test_back_to_the_default_logo(client, officer):
    client.force_login(officer)
    save(client, new_logo=SimpleUploadedFile("logo.png", png()))
    assert rendering.letterhead("de")["logo_src"].startswith("data:image/png;base64,")
    save(client, remove_logo="on")
    row = Letterhead.objects.get()
    assert not row.logo and rendering.letterhead("de")["logo_src"].endswith("/static/img/logo.svg")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "logo.png", "keine PNG / JPEG-Datei"),
        (PDF, "logo.pdf", "keine PNG / JPEG-Datei"),
        (b"", "logo.png", "Die Datei ist leer."),
    ],
)
def test_a_logo_that_is_not_an_image_is_refused(client, officer, content, name, message):
    client.force_login(officer)
    response = save(client, new_logo=SimpleUploadedFile(name, content))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Letterhead.objects.exists()


def test_a_logo_above_1_mb_is_refused(client, officer):
    client.force_login(officer)
    big = png() + b"\x00" * (1024 * 1024)
    response = save(client, new_logo=SimpleUploadedFile("logo.png", big))
    assert "Die Datei ist zu gross" in response.content.decode()
    assert not Letterhead.objects.exists()


def test_every_change_is_kept_with_its_author(client, officer):
    client.force_login(officer)
    save(client)
    save(client, name_de="Kanton Wallis — IIZ-Stelle")
    row = Letterhead.objects.get()
    assert [h.name_de for h in row.history.all()] == ["Kanton Wallis — IIZ-Stelle", "Kanton Wallis — Amt für IIZ"]
    assert {h.history_user for h in row.history.all()} == {officer}
    assert Letterhead.objects.count() == 1


def test_a_missing_required_text_is_a_field_error(client, officer):
    client.force_login(officer)
    response = save(client, name_fr="", address_de="")
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not Letterhead.objects.exists()


@pytest.mark.parametrize("role", ["secretariat", "coordinator", "case_manager", "steering", "outsider"])
def test_only_the_officer_edits_the_letterhead(db, client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("cases:letterhead")).status_code == 403
    assert save(client).status_code == 403
    assert not Letterhead.objects.exists()
    with pytest.raises(ActionRefused):
        actions.save_letterhead(Letterhead(**FORM), by=user)


@pytest.mark.parametrize(("language", "expected"), [("de", "Vorschau des Briefkopfs"), ("fr", "Aperçu de l'en-tête")])
def test_the_preview_in_each_language(client, officer, language, expected):
    client.force_login(officer)
    save(client)
    response = client.get(reverse("cases:letterhead") + f"?preview={language}")
    assert response["Content-Type"] == "application/pdf"
    body = text(response.content)
    assert expected in body and FORM[f"name_{language}"] in body and FORM[f"place_{language}"] in body
