"""Catalogue names in documents (cases/documents/rendering.py): every document of a case is
rendered in the person's correspondence language, and so are the names it takes from the
catalogues (the catalogue measures, the institutions, the letterhead's office), whatever
the interface language of the user who downloads it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import ExitReport, Review, ReviewDecision, ReviewKind
from tests.factories import institution
from tests.helpers import catalogue_measures, person, text

pytestmark = pytest.mark.django_db

# The same catalogue entries in each language (cases/demo/reference.py, roles/reference.py).
NAMES = {
    "de": {
        "trial": "Arbeitsversuch",
        "ai": "Kantonale IV-Stelle Wallis",
        "rav": "Regionale Arbeitsvermittlungszentren",
        "social": "Dienststelle für Sozialwesen",
        "office": "Kantonale Stelle für interinstitutionelle Zusammenarbeit",
    },
    "fr": {
        "trial": "Placement à l'essai",
        "ai": "Office cantonal AI du Valais",
        "rav": "Offices régionaux de placement",
        "social": "Service de l'action sociale",
        "office": "Office cantonal de la collaboration interinstitutionnelle",
    },
}

# The person's language, and the other one: the interface language of the user.
LANGUAGES = [("fr", "de"), ("de", "fr")]


def flat(pdf: bytes) -> str:
    """The text of a PDF on one line (a table cell breaks its text over several)."""
    return " ".join(text(pdf).split())


def download(client, user, interface: str, name: str, *args) -> str:
    user.language = interface
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return flat(response.content)


def assert_named_in(body: str, language: str, *keys: str) -> None:
    other = "de" if language == "fr" else "fr"
    for key in keys:
        assert NAMES[language][key] in body, key
        assert NAMES[other][key] not in body, key


@pytest.fixture
def planned(make_case, cast):
    """make(language): a case whose plan holds two catalogue measures and one typed by hand."""

    def make(language):
        case = make_case("plan_preparation", person=person(language))
        actions.save_plan(case.records.current_plan, by=cast.case_manager, goals=["Stelle"], measures=catalogue_measures())
        return case

    return make


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_plan_names_catalogue_measures_and_institutions_in_the_persons_language(
    client, planned, case_manager, language, interface
):
    case = planned(language)
    body = download(client, case_manager, interface, "cases:plan_pdf", case.pk, 1)
    assert_named_in(body, language, "trial", "ai", "rav", "social")


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_review_minutes_name_the_catalogue_in_the_persons_language(client, planned, cast, coordinator, language, interface):
    from cases.demo.walk import walk

    case = walk(planned(language), "implementation", cast)
    review = actions.record_review(
        case,
        by=cast.coordinator,
        review=Review(kind=ReviewKind.TEAM, held_on=timezone.localdate(), summary="—", decision=ReviewDecision.CONTINUE),
        progress=[{"measure_id": m.pk, "status": "running", "note": ""} for m in case.records.current_plan.measures_list],
    )
    body = download(client, coordinator, interface, "cases:review_pdf", case.pk, review.pk)
    assert_named_in(body, language, "trial", "ai", "rav", "social")


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_exit_report_names_the_institutions_in_the_persons_language(client, make_case, officer, language, interface):
    case = make_case("closed", person=person(language))
    ExitReport.objects.filter(case=case).update(outcome="other_service", other_service=institution("ai"), employer="")
    body = download(client, officer, interface, "cases:exit_report_pdf", case.pk)
    assert_named_in(body, language, "ai", "rav", "social")


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_power_of_attorney_names_the_institutions_in_the_persons_language(
    client, make_case, case_manager, language, interface
):
    case = make_case("plan_preparation", person=person(language))
    body = download(client, case_manager, interface, "cases:poa_form_pdf", case.pk)
    assert_named_in(body, language, "rav", "social")


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_closure_letter_names_the_office_in_the_persons_language(client, make_case, officer, language, interface):
    case = make_case("closed", person=person(language))
    body = download(client, officer, interface, "cases:closure_letter_pdf", case.pk)
    assert_named_in(body, language, "office")


@pytest.mark.parametrize(("language", "interface"), LANGUAGES)
def test_the_right_of_access_export_names_the_catalogue_in_the_language_it_is_written_in(
    client, planned, officer, language, interface
):
    """The export is written in the officer's language, who reads it before it is handed
    over (cases/views/export.py): the catalogue names follow that language, not the person's."""
    case = planned(language)
    body = download(client, officer, interface, "cases:person_export", case.person.pk)
    coaching = {"de": "Bewerbungscoaching", "fr": "Coaching en recherche d'emploi"}
    assert coaching[interface] in body
    if interface == "de":  # (the German name is also in the free text of the walk's assessment)
        assert coaching["fr"] not in body
    assert NAMES[interface]["ai"] in body and NAMES[language]["ai"] not in body
