"""cases:first_meeting and cases:edit_plan (cases/views/steps.py): the case manager meets the
person, then writes the action plan (resources, goals, measures from the catalogue,
signatures)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import ActionPlan, Case, CaseState, CatalogueMeasure, Measure, ResourcesSheet
from tests.factories import institution
from tests.helpers import messages_of, plan_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


# --- first meeting ------------------------------------------------------------------------


def test_the_case_manager_records_the_first_meeting(client, make_case, case_manager):
    case = make_case("cm_designated")
    client.force_login(case_manager)
    response = client.get(reverse("cases:first_meeting", args=[case.pk]))
    assert response.status_code == 200
    assert "innerhalb von zwei Wochen" in response.content.decode()
    response = client.post(reverse("cases:first_meeting", args=[case.pk]), {"first_meeting_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.PLAN_PREPARATION
    assert case.first_meeting_on == TODAY
    assert case.plans.get().version == 1
    assert messages_of(response) == ["Erstes Treffen erfasst. Der Aktionsplan ist eröffnet: Erstellen Sie ihn mit der Person."]


def test_the_first_meeting_cannot_be_in_the_future(client, make_case, case_manager):
    case = make_case("cm_designated")
    client.force_login(case_manager)
    response = client.post(reverse("cases:first_meeting", args=[case.pk]), {"first_meeting_on": TOMORROW.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieses Datum darf nicht in der Zukunft liegen." in html
    assert f'value="{TOMORROW.isoformat()}"' in html
    assert Case.objects.get(pk=case.pk).state == CaseState.CM_DESIGNATED


def test_the_first_meeting_form_is_closed_after_the_plan_started(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    response = client.get(reverse("cases:first_meeting", args=[case.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Das erste Treffen wird einmal erfasst, gleich nach der Bezeichnung des Case Managers."]


# --- the action plan ----------------------------------------------------------------------


def edit_url(case):
    return reverse("cases:edit_plan", args=[case.pk])


def test_the_case_manager_writes_goals_and_measures(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    rav = institution("rav")
    data = plan_data(
        goals=["Stelle im Detailhandel finden", "", "Deutschkurs abschliessen"],
        measures=[
            {
                "title": "Bewerbungscoaching",
                "responsible_institution": str(rav.pk),
                "starts_on": TODAY.isoformat(),
                "due_on": (TODAY + datetime.timedelta(days=60)).isoformat(),
            }
        ],
        signed_by_person_on=TODAY.isoformat(),
        signed_by_cm_on=TODAY.isoformat(),
        **{"resources-education": "Lehre als Koch", "resources-driving_licence": "true"},
    )
    response = client.post(edit_url(case), data)
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    plan = ActionPlan.objects.get(case=case)
    sheet = ResourcesSheet.objects.get(case=case)
    assert (sheet.education, sheet.driving_licence, sheet.updated_by) == ("Lehre als Koch", True, case_manager)
    assert plan.is_signed
    assert list(plan.goals.values_list("text", flat=True)) == ["Stelle im Detailhandel finden", "Deutschkurs abschliessen"]
    measure = plan.measures.get()
    assert (measure.title, measure.responsible_institution, measure.status) == ("Bewerbungscoaching", rav, "planned")
    assert messages_of(response) == [
        "Aktionsplan V1 gespeichert.",
        "Der Plan ist vollständig und unterzeichnet: Sie können ihn jetzt zur Validierung einreichen.",
    ]
    # The page now says the plan can be submitted.
    html = client.get(edit_url(case)).content.decode()
    assert "Sie können ihn auf der Fallseite zur Validierung einreichen." in html
    assert "Stelle im Detailhandel finden" in html


def test_the_page_lists_what_still_keeps_the_plan_from_being_submitted(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    html = client.get(edit_url(case)).content.decode()
    assert "Bevor der Plan zur Validierung eingereicht werden kann:" in html
    assert "Der Aktionsplan braucht mindestens ein Ziel und eine Massnahme." in html
    assert "Arbeitstraining, Bewerbungscoaching, Abklärung Umschulung." in html  # the assessment's possible actions


def test_a_catalogue_measure_fills_in_its_title_and_institution(client, make_case, case_manager):
    case = make_case("plan_preparation")
    entry = CatalogueMeasure.objects.create(
        institution=institution("ai"), name_de="Arbeitstraining IV", name_fr="Entraînement au travail AI"
    )
    client.force_login(case_manager)
    html = client.get(edit_url(case)).content.decode()
    assert f'data-title="Arbeitstraining IV" data-institution="{institution("ai").pk}"' in html
    assert '<optgroup label="IV – Kantonale IV-Stelle Wallis">' in html
    response = client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[{"catalogue_measure": str(entry.pk)}]))
    assert response.status_code == 302
    measure = Measure.objects.get(plan__case=case)
    assert (measure.catalogue_measure, measure.title, measure.responsible_institution) == (
        entry,
        "Arbeitstraining IV",
        institution("ai"),
    )


def test_a_free_measure_needs_a_title_and_an_institution(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    response = client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[{"result": "nur ein Ergebnis"}]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geben Sie der Massnahme eine Bezeichnung oder wählen Sie sie aus dem Katalog." in html
    assert "Wählen Sie die für die Massnahme verantwortliche Institution." in html
    assert "Noch nichts gespeichert: Bitte korrigieren Sie die unten markierten Felder." in html
    assert "nur ein Ergebnis" in html
    assert not Measure.objects.filter(plan__case=case).exists()


def test_the_due_date_cannot_be_before_the_start(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    data = plan_data(
        goals=["Ziel"],
        measures=[
            {
                "title": "Kurs",
                "responsible_institution": str(institution("rav").pk),
                "starts_on": TODAY.isoformat(),
                "due_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
            }
        ],
    )
    response = client.post(edit_url(case), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Das Fälligkeitsdatum darf nicht vor dem Beginn liegen." in html
    assert 'value="Kurs"' in html
    assert not Measure.objects.filter(plan__case=case).exists()


def test_signatures_cannot_be_dated_in_the_future(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    response = client.post(edit_url(case), plan_data(goals=["Ziel"], signed_by_person_on=TOMORROW.isoformat()))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_signed_by_person_on-errors"' in html
    assert "Dieses Datum darf nicht in der Zukunft liegen." in html
    assert ActionPlan.objects.get(case=case).signed_by_person_on is None
    assert not ActionPlan.objects.get(case=case).goals.exists()


def test_measures_are_updated_in_place_and_removed(client, make_case, case_manager):
    case = make_case("plan_validation")
    actions.send_back_plan(case, by=case.coordinator, comment="Bitte Arbeitstraining konkretisieren.")
    plan = ActionPlan.objects.get(case=case)
    first, second = plan.measures.order_by("position")
    client.force_login(case_manager)
    html = client.get(edit_url(case)).content.decode()
    assert "Bitte Arbeitstraining konkretisieren." in html  # the coordinator's comment
    data = plan_data(
        goals=["Stabile Anstellung"],
        initial_goals=1,
        initial_measures=2,
        measures=[
            {
                "id": str(first.pk),
                "title": "Bewerbungscoaching intensiv",
                "responsible_institution": str(first.responsible_institution_id),
                "status": "running",
            },
            {
                "id": str(second.pk),
                "title": second.title,
                "responsible_institution": str(second.responsible_institution_id),
                "DELETE": "on",
            },
        ],
    )
    response = client.post(edit_url(case), data)
    assert response.status_code == 302
    assert list(plan.measures.values_list("pk", "title", "status")) == [(first.pk, "Bewerbungscoaching intensiv", "running")]


def test_a_measure_of_another_plan_cannot_be_taken_over(client, make_case, case_manager):
    other = make_case("implementation")
    foreign = Measure.objects.filter(plan__case=other).first()
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    data = plan_data(
        goals=["Ziel"],
        measures=[{"id": str(foreign.pk), "title": "Übernommen", "responsible_institution": str(institution("rav").pk)}],
    )
    response = client.post(edit_url(case), data)
    assert response.status_code == 200
    assert "Diese Massnahme gehört nicht zu dieser Planversion." in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.plan.case == other and foreign.title != "Übernommen"


def test_adding_a_goal_without_javascript_shows_one_more_row_and_saves_nothing(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    response = client.post(edit_url(case), plan_data(goals=["Erstes Ziel"], add_row="goals"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="goals-TOTAL_FORMS" value="2"' in html
    assert 'name="goals-1-text"' in html
    assert "Erstes Ziel" in html
    assert not ActionPlan.objects.get(case=case).goals.exists()


def test_the_plan_cannot_be_edited_once_submitted(client, make_case, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    response = client.get(edit_url(case))
    assert response.status_code == 302
    assert messages_of(response) == ["Der Aktionsplan kann nur bearbeitet werden, solange er in Erarbeitung ist."]
    response = client.post(edit_url(case), plan_data(goals=["Neu"]))
    assert response.status_code == 302
    assert "Neu" not in ActionPlan.objects.get(case=case).goals.values_list("text", flat=True)
