"""PDFs of a case's documents (cases/documents/rendering.py, cases/views/documents.py): the action
plan of one version, the exit report, the closure letter and the power of attorney form, each in the person's
correspondence language whatever the user's interface language; downloads only within
the case's scope, logged, as attachments no cache keeps."""

import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.documents import rendering
from cases.models import AccessLog
from tests.helpers import catalogue_measures, pages, person, plan_of, text

PDF_QUERIES = 10


def short(day) -> str:
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def closed_de(make_case):
    return make_case("closed", person=person("de"))


@pytest.fixture
def closed_fr(make_case):
    return make_case("closed", person=person("fr"))


# --- the action plan ------------------------------------------------------------------------------


def test_the_action_plan_in_german(closed_de):
    case = closed_de
    plan = plan_of(case)
    body = text(rendering.render_action_plan(plan))
    assert "Zielvereinbarung\nVersion 1" in body
    assert case.reference in body
    assert "Jürg Zürcher, geboren am 12.04.1985" in body
    assert "Rhonesandstrasse 7, 3900 Brig-Glis" in body
    assert str(case.case_manager) in body and str(case.coordinator) in body
    assert "Regionale Arbeitsvermittlung" in body or "RAV" in body
    assert "Stabile Anstellung im ersten Arbeitsmarkt" in body and "Gesundheit stabilisieren" in body
    assert "Bewerbungscoaching" in body and "Arbeitstraining" in body
    assert "Zuständige Institution" in body and "Fällig" in body
    assert "Datenblatt Ressourcen" in body  # no sheet recorded: an empty section (tests/cases/test_resources_sheet.py)
    assert "Version 1" in body and "validiert" in body
    assert "Die Person" in body and "Case Manager/in" in body and "Ort und Datum" in body and "Unterschrift" in body
    # signed: place and date filled in both blocks
    assert body.count(f"Sion, {short(plan.signed_by_person_on)}") == 2
    assert "Seite 1 von" in body


def test_a_french_person_gets_the_french_plan_whatever_the_users_language(closed_fr, client, officer):
    officer.language = "de"
    officer.save()
    client.force_login(officer)
    response = client.get(reverse("cases:plan_pdf", args=[closed_fr.pk, 1]))
    assert response.status_code == 200
    body = text(response.content)
    assert "Plan d'action\nVersion 1 · dossier" in body
    assert "Hélène Zürcher" in body and "Rue du Rhône 12, 1950 Sion" in body
    assert "Objectifs" in body and "Mesures" in body and "Institution responsable" in body and "Échéance" in body
    assert "Bewerbungscoaching" in body
    assert "La personne" in body and "Lieu et date" in body and "Signature" in body
    assert "page 1 de" in body
    assert "Zielvereinbarung" not in body and "Seite" not in body


def test_an_unsigned_draft_has_blank_signature_lines(make_case, cast):
    case = make_case("plan_preparation", person=person("de"))
    plan = case.records.current_plan
    actions.save_plan(
        plan,
        by=cast.case_manager,
        goals=["Deutschkurs abschliessen"],
        measures=[
            {
                "title": "Sprachkurs B1",
                "responsible_institution": case.reporting_institution,
                "starts_on": timezone.localdate(),
                "due_on": None,
            },
        ],
    )
    body = text(rendering.render_action_plan(plan_of(case)))
    assert "Entwurf" in body and "validiert" not in body
    assert "Deutschkurs abschliessen" in body and "Sprachkurs B1" in body
    assert "Ort und Datum" in body
    assert not re.search(r"\d{2}\.\d{2}\.\d{4}\s*Unterschrift", body)  # no date filled in
    assert "Sion," not in body.split("Unterschriften", 1)[1]


def test_the_plan_names_who_submitted_who_sent_back_and_who_validated(make_case, cast):
    from cases.demo.walk import walk

    case = make_case("plan_validation", person=person("de"))
    actions.send_back_plan(case, by=cast.coordinator, reasons="Die IV fehlt.", options="Abklärung IV vorsehen.")
    walk(case, "implementation", cast)
    today = short(timezone.localdate())
    sent_back = text(rendering.render_action_plan(plan_of(case, 1)))
    assert "Version 1 · Fall" in sent_back and "zurückgewiesen" in sent_back
    assert "Einreichung und Entscheid" in sent_back
    assert f"Eingereicht von {cast.case_manager}, {today}" in sent_back
    assert f"Zurückgewiesen von {cast.coordinator}, {today}" in sent_back
    assert "Die IV fehlt." in sent_back and "Abklärung IV vorsehen." in sent_back
    validated = text(rendering.render_action_plan(plan_of(case, 2)))
    assert f"Eingereicht von {cast.case_manager}, {today}" in validated
    assert f"Validiert von {cast.coordinator}, {today}" in validated
    assert "Zurückgewiesen" not in validated and "Die IV fehlt." not in validated


def flat(pdf: bytes) -> str:
    """The text of a PDF on one line: a table cell breaks its text over several."""
    return " ".join(text(pdf).split())


def plan_with_catalogue_measures(make_case, cast, language):
    case = make_case("plan_preparation", person=person(language))
    plan = case.records.current_plan
    actions.save_plan(plan, by=cast.case_manager, goals=["Stelle in der Logistik"], measures=catalogue_measures())
    return case


def test_a_french_persons_plan_names_the_catalogue_measures_in_french(make_case, cast):
    case = plan_with_catalogue_measures(make_case, cast, "fr")
    body = flat(rendering.render_action_plan(plan_of(case)))
    assert "Placement à l'essai" in body and "Arbeitsversuch" not in body
    assert "Employeur : Lonza AG (Visp), Rahel Imhof" in body
    # A title the case manager wrote stays, with the catalogue's name beneath it in French.
    assert "Bewerbungen für den Detailhandel" in body and "Coaching en recherche d'emploi" in body
    assert "Sprachkurs B1" in body  # typed by hand


def test_a_german_persons_plan_names_the_catalogue_measures_in_german(make_case, cast):
    case = plan_with_catalogue_measures(make_case, cast, "de")
    body = flat(rendering.render_action_plan(plan_of(case)))
    assert "Arbeitsversuch" in body and "Placement à l'essai" not in body
    assert "Arbeitgeber: Lonza AG (Visp), Rahel Imhof" in body
    assert "Bewerbungen für den Detailhandel" in body and "Coaching en recherche d'emploi" not in body
    assert "Sprachkurs B1" in body


def test_the_review_minutes_name_the_catalogue_measures_in_the_persons_language(make_case, cast):
    from cases.demo.walk import walk
    from cases.models import Review, ReviewDecision, ReviewKind

    case = walk(plan_with_catalogue_measures(make_case, cast, "fr"), "implementation", cast)
    measures = case.records.current_plan.measures_list
    review = actions.record_review(
        case,
        by=cast.coordinator,
        review=Review(kind=ReviewKind.TEAM, held_on=timezone.localdate(), summary="Point.", decision=ReviewDecision.CONTINUE),
        progress=[{"measure_id": m.pk, "status": "running", "note": ""} for m in measures],
    )
    body = flat(rendering.render_review_minutes(review))
    assert "Placement à l'essai" in body and "Arbeitsversuch" not in body
    assert "Employeur : Lonza AG (Visp)" in body


# --- the exit report --------------------------------------------------------------------------------


def test_the_exit_report_in_german(closed_de):
    body = text(rendering.render_exit_report(closed_de.exit_report))
    assert "Austrittsbilanz" in body
    assert closed_de.reference in body and "Jürg Zürcher" in body
    assert "Ergebnis" in body and "Im ersten Arbeitsmarkt eingegliedert" in body
    assert "Lonza AG, Visp" in body and "80 %" in body
    assert "Die Person wurde während acht Monaten begleitet." in body
    assert f"Fall abgeschlossen am {short(timezone.localdate(closed_de.closed_at))}" in body
    assert "Seite 1 von 1" in body


def test_the_exit_report_in_french(closed_fr):
    body = text(rendering.render_exit_report(closed_fr.exit_report))
    assert "Bilan de sortie" in body
    assert "Hélène Zürcher" in body
    assert "Résultat" in body and "Employeur" in body and "Lonza AG, Visp" in body
    assert "Insérée sur le premier marché du travail" in body
    assert "Résumé de l'accompagnement" in body
    assert "page 1 de 1" in body


# --- the closure letter --------------------------------------------------------------------------------


def letter_of(case, text="Ihr Dossier ist abgeschlossen.\nWir wünschen Ihnen alles Gute."):
    closure = case.closure
    closure.letter_text = text
    closure.save(update_fields=["letter_text"])
    return rendering.render_closure_letter(closure)


def test_the_closure_letter_in_german(closed_de):
    body = text(letter_of(closed_de))
    assert "Sehr geehrter Herr Zürcher" in body
    assert "Jürg Zürcher\nRhonesandstrasse 7\n3900 Brig-Glis" in body
    assert "Abschluss Ihrer IIZ-Begleitung" in body
    assert "Ihr Dossier ist abgeschlossen." in body and "Wir wünschen Ihnen alles Gute." in body
    assert "Freundliche Grüsse" in body
    assert str(closed_de.closure.closed_by) in body
    assert f"Unser Zeichen: {closed_de.reference}" in body
    assert "Seite 1 von 1" in body
    # place and date come before the subject
    assert body.index("Sitten, ") < body.index("Abschluss Ihrer IIZ-Begleitung") < body.index("Sehr geehrter")


@pytest.mark.parametrize(
    ("sex", "language", "expected"),
    [
        ("f", "de", "Sehr geehrte Frau Zürcher"),
        ("m", "de", "Sehr geehrter Herr Zürcher"),
        ("x", "de", "Guten Tag Jürg Zürcher"),
        ("f", "fr", "Madame,"),
        ("m", "fr", "Monsieur,"),
        ("x", "fr", "Madame, Monsieur,"),
    ],
)
def test_the_salutation_follows_language_and_sex(sex, language, expected):
    assert rendering.salutation(person("de", sex=sex), language) == expected


def test_the_closure_letter_in_french(closed_fr):
    body = text(letter_of(closed_fr, "Votre dossier est clos. Nous vous souhaitons plein succès."))
    assert "Madame," in body
    assert "Hélène Zürcher\nRue du Rhône 12\n1950 Sion" in body
    assert "Clôture de votre accompagnement CII" in body
    assert "Votre dossier est clos." in body
    assert "salutations" in body
    assert "Sion, " in body and "page 1 de 1" in body
    assert "Sehr geehrte" not in body


def test_the_address_sits_in_the_right_envelope_window(closed_de):
    reader = pypdf.PdfReader(io.BytesIO(letter_of(closed_de)))
    found = []

    def visit(text, cm, tm, font, size):
        if "Rhonesandstrasse" in text:
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    ((x, y),) = found[:1]
    height = float(reader.pages[0].mediabox.height)
    mm = 72 / 25.4
    assert 95 <= x / mm <= 110  # from the left edge
    assert 45 <= (height - y) / mm <= 75  # from the top: inside the window


def test_an_empty_letter_text_gets_the_standard_text(closed_de):
    body = text(letter_of(closed_de, ""))
    assert "Dossier abgeschlossen ist" in body


# --- the downloads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "filename"),
    [
        ("cases:plan_pdf", [1], "{ref}-aktionsplan-v1.pdf"),
        ("cases:exit_report_pdf", [], "{ref}-austrittsbilanz.pdf"),
        ("cases:closure_letter_pdf", [], "{ref}-abschlussbrief.pdf"),
    ],
)
def test_a_download_is_a_logged_pdf_attachment(client, secretariat, closed_de, name, args, filename):
    client.force_login(secretariat)
    response = client.get(reverse(name, args=[closed_de.pk, *args]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename.format(ref=closed_de.reference)}"'
    assert response["Cache-Control"] == "no-store, private"
    assert closed_de.reference in text(response.content)
    log = AccessLog.objects.filter(case=closed_de, user=secretariat, kind="download")
    assert log.count() == 1
    assert "PDF" in log.get().detail


def test_french_file_names(client, secretariat, closed_fr):
    client.force_login(secretariat)
    response = client.get(reverse("cases:exit_report_pdf", args=[closed_fr.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{closed_fr.reference}-bilan-sortie.pdf"'


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cases:plan_pdf", [1]),
        ("cases:exit_report_pdf", []),
        ("cases:closure_letter_pdf", []),
    ],
)
def test_a_download_outside_the_scope_is_404_and_not_logged(client, outsider, legal, closed_de, name, args):
    for user in (outsider, legal):
        client.force_login(user)
        assert client.get(reverse(name, args=[closed_de.pk, *args])).status_code == 404
    assert not AccessLog.objects.filter(case=closed_de, kind="download").exists()


def test_a_missing_record_is_404(client, officer, make_case, closed_de):
    case = make_case("implementation")
    client.force_login(officer)
    assert client.get(reverse("cases:plan_pdf", args=[closed_de.pk, 7])).status_code == 404
    assert client.get(reverse("cases:exit_report_pdf", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:closure_letter_pdf", args=[case.pk])).status_code == 404


def test_post_is_not_allowed(client, officer, closed_de):
    client.force_login(officer)
    assert client.post(reverse("cases:exit_report_pdf", args=[closed_de.pk])).status_code == 405


def test_the_case_page_links_the_documents(client, secretariat, closed_de):
    client.force_login(secretariat)
    page = client.get(closed_de.get_absolute_url()).content.decode()
    assert reverse("cases:plan_pdf", args=[closed_de.pk, 1]) in page
    assert reverse("cases:exit_report_pdf", args=[closed_de.pk]) in page
    assert reverse("cases:closure_letter_pdf", args=[closed_de.pk]) in page
    assert reverse("cases:poa_form_pdf", args=[closed_de.pk]) in page
    version_page = client.get(reverse("cases:plan_version", args=[closed_de.pk, 1])).content.decode()
    assert reverse("cases:plan_pdf", args=[closed_de.pk, 1]) in version_page


# --- the stored PDF of a version no longer edited ---------------------------------------------------------


@pytest.fixture
def layouts(monkeypatch):
    """Count the layouts (WeasyPrint), the costly part of a PDF."""
    calls = []
    write = rendering._write_pdf

    def counted(html):
        calls.append(html)
        return write(html)

    monkeypatch.setattr(rendering, "_write_pdf", counted)
    return calls


def download(client, case, version=1):
    response = client.get(reverse("cases:plan_pdf", args=[case.pk, version]))
    assert response.status_code == 200
    return response


def test_a_validated_plan_is_laid_out_once_then_served_from_the_storage(client, secretariat, closed_de, layouts, media):
    client.force_login(secretariat)
    first = download(client, closed_de)
    second = download(client, closed_de)
    assert len(layouts) == 1
    assert second.content == first.content
    plan = plan_of(closed_de)
    assert plan.pdf.name.startswith(f"plans/{closed_de.pk}/") and (media / plan.pdf.name).read_bytes() == first.content
    body = text(second.content)
    assert "Stabile Anstellung im ersten Arbeitsmarkt" in body and "Bewerbungscoaching" in body and "validiert" in body
    # Served from the storage, still through the view: the same name and headers, and logged.
    assert second["Content-Disposition"] == f'attachment; filename="{closed_de.reference}-aktionsplan-v1.pdf"'
    assert second["Cache-Control"] == "no-store, private"
    assert AccessLog.objects.filter(case=closed_de, user=secretariat, kind="download").count() == 2


def test_a_reader_in_another_language_gets_the_same_stored_pdf(client, officer, secretariat, closed_fr, layouts):
    officer.language = "de"
    officer.save()
    secretariat.language = "fr"
    secretariat.save()
    client.force_login(officer)
    first = download(client, closed_fr)
    client.force_login(secretariat)
    assert download(client, closed_fr).content == first.content
    assert len(layouts) == 1
    assert "Plan d'action" in text(first.content)


def test_a_draft_is_laid_out_each_time_and_not_stored(client, make_case, case_manager, layouts):
    case = make_case("plan_preparation", person=person("de"))
    client.force_login(case_manager)
    download(client, case)
    download(client, case)
    assert len(layouts) == 2
    assert not plan_of(case).pdf


def test_what_the_pdf_shows_changing_lays_it_out_again_and_deletes_the_old_file(client, make_case, case_manager, layouts, media):
    from cases.models import ResourcesSheet

    case = make_case("implementation", person=person("de"))
    client.force_login(case_manager)
    download(client, case)
    old = plan_of(case).pdf.name
    # The resources data sheet is printed as it stands now.
    actions.save_resources(ResourcesSheet(case=case, education="Lehre als Koch EFZ"), by=case_manager)
    body = " ".join(text(download(client, case).content).split())
    assert "Lehre als Koch EFZ" in body
    assert len(layouts) == 2
    new = plan_of(case).pdf.name
    assert new != old and (media / new).exists() and not (media / old).exists()


def test_only_the_outsider_is_refused_the_stored_pdf(client, secretariat, outsider, closed_de, layouts):
    client.force_login(secretariat)
    download(client, closed_de)
    client.force_login(outsider)
    assert client.get(reverse("cases:plan_pdf", args=[closed_de.pk, 1])).status_code == 404
    assert not AccessLog.objects.filter(case=closed_de, user=outsider).exists()


@pytest.mark.parametrize("n", [1, 8])
def test_the_plan_pdf_runs_a_fixed_number_of_queries(client, make_case, case_manager, n, django_assert_num_queries):
    from cases.models import Goal, Measure
    from tests.factories import institution

    case = make_case("implementation", person=person("de"))
    plan = plan_of(case)
    for i in range(n):
        Goal.objects.create(plan=plan, position=10 + i, text=f"Weiteres Ziel {i}")
        Measure.objects.create(plan=plan, position=10 + i, title=f"Massnahme {i}", responsible_institution=institution("ai"))
    client.force_login(case_manager)
    # user, memberships, the user's per-case grants, the version with its case (and the
    # person, the resources data sheet), the case's institutions, the goals and measures,
    # the letterhead, the access log (chain head and row); the first download also stores
    # the file (one update).
    with django_assert_num_queries(PDF_QUERIES + 1):
        download(client, case)
    with django_assert_num_queries(PDF_QUERIES):
        assert f"Massnahme {n - 1}" in text(download(client, case).content)


# --- the power of attorney form ----------------------------------------------------------------------------


def test_the_power_of_attorney_form_in_german(make_case):
    case = make_case("implementation", person=person("de", ahv_number="756.1234.5678.97"))
    body = text(rendering.render_power_of_attorney_form(case))
    assert "Vollmacht" in body and case.reference in body
    assert "Jürg Zürcher" in body and "12.04.1985" in body and "756.1234.5678.97" in body
    assert "Rhonesandstrasse 7, 3900 Brig-Glis" in body
    for institution in case.institutions.all():
        assert institution.name_de in body
    assert "ein Jahr ab dem Datum der Unterschrift" in body
    assert "Ort und Datum" in body and "Unterschrift" in body and "Die Person" in body
    assert "Seite 1 von 1" in body


def test_the_power_of_attorney_form_in_french(client, case_manager, make_case):
    case = make_case("implementation", person=person("fr"))
    client.force_login(case_manager)
    response = client.get(reverse("cases:poa_form_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{case.reference}-procuration.pdf"'
    body = text(response.content)
    assert "Procuration" in body and "Hélène Zürcher" in body and "Numéro AVS" in body
    for institution in case.institutions.all():
        assert institution.name_fr in body
    assert "Lieu et date" in body and "page 1 de 1" in body
    assert AccessLog.objects.filter(case=case, user=case_manager, kind="download").count() == 1


def test_the_power_of_attorney_form_outside_the_scope_is_404(client, outsider, make_case):
    case = make_case("implementation")
    client.force_login(outsider)
    assert client.get(reverse("cases:poa_form_pdf", args=[case.pk])).status_code == 404
    assert not AccessLog.objects.filter(case=case, kind="download").exists()


# --- the review minutes ----------------------------------------------------------------------------


def test_the_review_minutes_in_german(closed_de):
    review = closed_de.reviews.get()
    pages_ = pages(rendering.render_review_minutes(review))
    body = "\n".join(pages_)
    assert "Protokoll der Standortbestimmung" in body
    assert closed_de.reference in body and "Jürg Zürcher, geboren am 12.04.1985" in body
    assert "Case Manager mit der Person (Zwischenbilanz)" in body
    assert f"Durchgeführt am {short(review.held_on)}" in body
    assert "Alle Massnahmen abgeschlossen." in body
    assert "Fortschritt der Massnahmen" in body and "Bewerbungscoaching" in body and "erledigt" in body
    poa = review.power_of_attorney  # renewed at the last review (cases/demo/walk.py)
    assert "Vollmacht erneuert: eine neue Vollmacht wurde unterzeichnet" in body
    assert f"Vollmacht unterzeichnet am {short(poa.signed_on)}, gültig bis {short(poa.valid_until)}" in body
    assert "Aktionsplan beenden" in body
    assert "Protokoll erstellt von" in body and "Von der Person gelesen" in body and "Ort und Datum" in body
    assert pages_[0].count("Seite 1 von") == 1 and f"Seite {len(pages_)} von {len(pages_)}" in pages_[-1]


def test_the_review_minutes_in_french(closed_fr):
    review = closed_fr.reviews.get()
    body = text(rendering.render_review_minutes(review))
    assert "Procès-verbal du bilan" in body
    assert "Hélène Zürcher" in body and "Rue du Rhône 12, 1950 Sion" in body
    assert "Case manager avec la personne (bilan intermédiaire)" in body
    assert "Progression des mesures" in body and "terminée" in body
    assert "Procuration renouvelée : une nouvelle procuration a été signée" in body
    assert "Terminer le plan d'action" in body
    assert "Lieu et date" in body and "page 1 de" in body
    assert "Protokoll" not in body and "Seite" not in body


def test_team_review_minutes_go_to_the_contact_persons(make_case, coordinator):
    from cases.models import Review

    case = make_case("implementation")
    review = actions.record_review(
        case,
        by=coordinator,
        review=Review(
            kind="team",
            held_on=timezone.localdate(),
            summary="Fortschritt besprochen, Arbeitstraining läuft.",
            decision="continue",
        ),
    )
    body = text(rendering.render_review_minutes(review))
    assert "Koordinator mit dem Team der IIZ-Ansprechpersonen" in body
    assert "Fortschritt besprochen, Arbeitstraining läuft." in body
    assert "Der Fortschritt der Massnahmen wurde an dieser Standortbestimmung nicht erfasst." in body
    assert "Von der Person gelesen" not in body and "die IIZ-Ansprechpersonen der beteiligten Institutionen" in body


def test_the_review_minutes_download_is_logged(client, contact_person, closed_fr):
    review = closed_fr.reviews.get()
    client.force_login(contact_person)
    response = client.get(reverse("cases:review_pdf", args=[closed_fr.pk, review.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{closed_fr.reference}-proces-verbal-bilan-{review.held_on:%Y-%m-%d}.pdf"'
    )
    assert "Procès-verbal du bilan" in text(response.content)
    log = AccessLog.objects.get(case=closed_fr, user=contact_person, kind="download")
    assert log.detail == f"review minutes of {review.held_on:%Y-%m-%d} (PDF)"


def test_the_review_minutes_outside_the_scope_or_of_another_case_are_404(client, outsider, officer, closed_de, make_case):
    review = closed_de.reviews.get()
    client.force_login(outsider)
    assert client.get(reverse("cases:review_pdf", args=[closed_de.pk, review.pk])).status_code == 404
    other = make_case("implementation")
    client.force_login(officer)
    assert client.get(reverse("cases:review_pdf", args=[other.pk, review.pk])).status_code == 404
    assert not AccessLog.objects.filter(kind="download").exists()


def test_the_case_page_links_the_minutes_of_each_review(client, secretariat, closed_de):
    client.force_login(secretariat)
    page = client.get(closed_de.get_absolute_url()).content.decode()
    assert reverse("cases:review_pdf", args=[closed_de.pk, closed_de.reviews.get().pk]) in page
