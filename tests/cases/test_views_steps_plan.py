"""cases:first_meeting, cases:edit_plan and cases:send_back (cases/views/steps.py): the case
manager meets the person, then writes the action plan (resources, goals, measures from the
catalogue, signatures); the coordinator sends a submitted version back with the reasons and
the other options, and the case manager reworks the next version."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.demo.walk import walk
from cases.models import ActionPlan, Case, CaseState, CatalogueMeasure, EmployerContact, Goal, Measure, ResourcesSheet
from tests.factories import institution
from tests.helpers import catalogue_measures, messages_of, plan_data, plan_of

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
    plan = actions.send_back_plan(
        case, by=case.coordinator, reasons="Zu allgemein.", options="Bitte Arbeitstraining konkretisieren."
    )
    first, second = plan.measures.order_by("position")
    client.force_login(case_manager)
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


# --- sending the plan back (CII101 step 5) --------------------------------------------------


def send_back_url(case):
    return reverse("cases:send_back", args=[case.pk])


SEND_BACK = {"reasons": "Die IV-Stelle ist nicht einbezogen.", "options": "Zuerst eine berufliche Abklärung der IV."}


def test_anonymous_users_are_sent_to_the_login_from_the_send_back_page(client, make_case):
    case = make_case("plan_validation")
    response = client.get(send_back_url(case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_send_back_page_of_a_case_outside_the_scope_does_not_exist(client, make_case, outsider):
    case = make_case("plan_validation")
    client.force_login(outsider)
    assert client.get(send_back_url(case)).status_code == 404
    assert client.post(send_back_url(case), SEND_BACK).status_code == 404


def test_the_case_manager_may_not_send_the_plan_back(client, make_case, case_manager):
    case = make_case("plan_validation")
    client.force_login(case_manager)
    assert client.get(send_back_url(case)).status_code == 403
    assert client.post(send_back_url(case), SEND_BACK).status_code == 403
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_VALIDATION


def test_the_send_back_page_answers_get_and_post_only(client, make_case, coordinator):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    assert client.put(send_back_url(case)).status_code == 405


def test_the_coordinator_sends_the_plan_back_with_the_reasons_and_the_options(client, make_case, coordinator):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    html = client.get(send_back_url(case)).content.decode()
    assert "Plan zurückweisen" in html
    assert 'name="reasons"' in html and 'name="options"' in html
    assert "Version 1 bleibt so erhalten, wie sie eingereicht wurde." in html
    response = client.post(send_back_url(case), SEND_BACK)
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert messages_of(response) == ["Der Plan ist zurückgewiesen. Der Case Manager überarbeitet ihn als Version 2."]
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_PREPARATION
    frozen = ActionPlan.objects.get(case=case, version=1)
    assert (frozen.refusal_reasons, frozen.proposed_options, frozen.validator) == (
        SEND_BACK["reasons"],
        SEND_BACK["options"],
        coordinator,
    )
    assert ActionPlan.objects.get(case=case, version=2).status == "draft"


@pytest.mark.parametrize("missing", ["reasons", "options"])
def test_the_reasons_and_the_options_are_both_required(client, make_case, coordinator, missing):
    case = make_case("plan_validation")
    client.force_login(coordinator)
    response = client.post(send_back_url(case), {**SEND_BACK, missing: "   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{missing}-errors"' in html and "Dieses Feld ist zwingend erforderlich." in html
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_VALIDATION
    assert case.plans.count() == 1


def test_the_send_back_page_is_closed_outside_the_validation(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.get(send_back_url(case))
    assert response.status_code == 302
    assert messages_of(response) == ["Dieser Schritt ist im Status «Umsetzung» nicht möglich."]


def test_the_case_manager_reworks_the_next_version_with_the_reasons_and_options_in_view(client, make_case, case_manager):
    case = make_case("plan_validation")
    actions.send_back_plan(case, by=case.coordinator, reasons=SEND_BACK["reasons"], options=SEND_BACK["options"])
    client.force_login(case_manager)
    response = client.get(edit_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aktionsplan V2" in html
    assert f"Version 1 wurde von {case.coordinator} am " in html
    assert SEND_BACK["reasons"] in html and SEND_BACK["options"] in html
    assert "Stabile Anstellung im ersten Arbeitsmarkt" in html  # the copy of version 1


def grow_plan(plan, n):
    for i in range(n):
        Goal.objects.create(plan=plan, position=10 + i, text=f"Weiteres Ziel {i}")
        Measure.objects.create(plan=plan, position=10 + i, title=f"Kurs {i}", responsible_institution=institution("rav"))


@pytest.mark.parametrize("n", [0, 12])
def test_the_send_back_page_and_its_post_run_a_fixed_number_of_queries(
    client, make_case, coordinator, n, django_assert_num_queries
):
    case = make_case("plan_validation")
    grow_plan(case.records.current_plan, n)
    client.force_login(coordinator)
    # user, memberships, grants (the session comes from the cache), case, the current version, its goals, its measures
    # (their institutions joined in), the access log; +1: My tasks (n) in the navigation
    with django_assert_num_queries(8 + 1 + 1):  # +1: the access log's chain head
        assert client.get(send_back_url(case)).status_code == 200
    # the same up to the version, then the transition, the journal, the version frozen, the
    # next one with its goals and measures copied (and their history), the kept dates, and the
    # notification of the case manager (who: users, their memberships and grants; the row; the bell)
    with django_assert_num_queries(32 + 1):  # +1: the journal's chain head
        assert client.post(send_back_url(case), SEND_BACK).status_code == 302
    assert Goal.objects.filter(plan__case=case, plan__version=2).count() == 2 + n


@pytest.mark.parametrize("n", [0, 12])
def test_the_plan_page_after_a_send_back_runs_a_fixed_number_of_queries(
    client, make_case, case_manager, n, django_assert_num_queries
):
    case = make_case("plan_validation")
    plan = actions.send_back_plan(case, by=case.coordinator, reasons=SEND_BACK["reasons"], options=SEND_BACK["options"])
    grow_plan(plan, n)
    client.force_login(case_manager)
    assert connection.features.supports_json_field  # asked once per connection, before its first page
    # user, memberships, grants, case, the current version with its goals and measures inlined,
    # the catalogue, the institutions and the employer contacts offered, the version the form
    # was loaded from, the last meeting, the access log; +1 My tasks (n) in the navigation
    with django_assert_num_queries(12 + 1 + 1):  # +1: the access log's chain head
        html = client.get(edit_url(case)).content.decode()
    assert SEND_BACK["reasons"] in html and (not n or f"Kurs {n - 1}" in html)


def test_a_plan_saved_by_someone_else_meanwhile_is_not_overwritten(client, make_case, case_manager, deputy):
    """Two people on one plan (the case manager and a deputy): the second save is refused with
    what the first one saved, and keeps what was typed."""
    from cases.audit.versions import plan_version
    from cases.flow.grants import DEPUTY
    from tests.helpers import plan_data

    case = make_case("plan_preparation")
    actions.grant_access(
        case, by=case.coordinator, user=deputy, permission=DEPUTY, valid_until=datetime.date.today(), reason="Ferien"
    )
    plan = case.records.current_plan
    loaded = plan_version(plan)
    rav = institution("rav").pk
    url = reverse("cases:edit_plan", args=[case.pk])
    client.force_login(case_manager)
    first = plan_data(goals=["Stelle im Gastgewerbe"], measures=[{"title": "Coaching", "responsible_institution": rav}])
    done = client.post(url, {**first, "version": loaded})
    assert done.status_code == 302, done.content.decode()[-3000:]
    assert messages_of(done)[0].startswith("Aktionsplan"), messages_of(done)

    client.force_login(deputy)
    second = plan_data(goals=["Lehrabschluss nachholen"], measures=[{"title": "Kurs", "responsible_institution": rav}])
    response = client.post(url, {**second, "version": loaded})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"In der Zwischenzeit geändert von {case_manager}" in html
    assert "Stelle im Gastgewerbe" in html  # what the other person saved
    assert "Lehrabschluss nachholen" in html  # what was typed, kept
    assert [g.text for g in Goal.objects.filter(plan=plan)] == ["Stelle im Gastgewerbe"]
    assert client.post(url, {**second, "version": response.context["form"]["version"].value()}).status_code == 302
    assert [g.text for g in Goal.objects.filter(plan=plan)] == ["Lehrabschluss nachholen"]


# --- the employer of a measure (the partners' employer contacts) ---------------------------


def employer_row(employer, **fields):
    return {
        "title": "Arbeitsversuch",
        "responsible_institution": str(institution("ai").pk),
        "employer_contact": str(employer.pk),
        **fields,
    }


def test_the_case_manager_links_an_employer_contact_to_a_measure(client, make_case, case_manager):
    case = make_case("plan_preparation")
    lonza = EmployerContact.objects.get(company="Lonza AG")
    client.force_login(case_manager)
    html = client.get(edit_url(case)).content.decode()
    assert f'<option value="{lonza.pk}">Lonza AG (Visp) · Chemie und Pharma</option>' in html
    assert "data-employer-picker" in html and f'hx-get="{reverse("cases:employers")}"' in html
    assert f'href="{reverse("cases:employers")}" target="_blank"' in html
    response = client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[employer_row(lonza)]))
    assert response.status_code == 302
    assert Measure.objects.get(plan__case=case).employer_contact == lonza
    assert f'<option value="{lonza.pk}" selected>' in client.get(edit_url(case)).content.decode()
    card = client.get(case.get_absolute_url()).content.decode()
    assert "Arbeitgeber: Lonza AG (Visp)" in card and "Rahel Imhof" in card and 'href="tel:0279485110"' in card


def test_a_measure_needs_no_employer(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    row = {"title": "Sprachkurs B1", "responsible_institution": str(institution("social").pk)}
    assert client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[row])).status_code == 302
    assert Measure.objects.get(plan__case=case).employer_contact is None


def test_a_deactivated_employer_is_not_offered_but_stays_on_the_measures_that_name_it(client, make_case, case_manager):
    case = make_case("plan_preparation")
    lonza, hotel = EmployerContact.objects.get(company="Lonza AG"), EmployerContact.objects.get(company="Hotel Bergsonne")
    client.force_login(case_manager)
    client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[employer_row(lonza)]))
    EmployerContact.objects.filter(pk__in=[lonza.pk, hotel.pk]).update(is_active=False)
    html = client.get(edit_url(case)).content.decode()
    assert f'<option value="{lonza.pk}" selected>' in html
    assert f'<option value="{hotel.pk}">Hotel Bergsonne' not in html
    measure = Measure.objects.get(plan__case=case)
    kept = {"id": str(measure.pk), **employer_row(lonza)}
    response = client.post(edit_url(case), plan_data(goals=["Ziel"], initial_measures=1, measures=[kept]))
    assert response.status_code == 302
    response = client.post(
        edit_url(case), plan_data(goals=["Ziel"], initial_measures=1, measures=[{**kept, **employer_row(hotel)}])
    )
    assert response.status_code == 200
    assert f"Bitte eine gültige Auswahl treffen. {hotel.pk} ist keine gültige Auswahl." in response.content.decode()
    assert Measure.objects.get(plan__case=case).employer_contact == lonza


def test_a_new_version_of_the_plan_keeps_the_employers_of_its_measures(make_case, cast):
    case = make_case("plan_preparation")
    actions.save_plan(case.records.current_plan, by=cast.case_manager, goals=["Ziel"], measures=catalogue_measures())
    case = walk(case, "implementation", cast)
    actions.change_plan(case, by=cast.case_manager, reason="Neue Stelle in Aussicht.")
    lonza = EmployerContact.objects.get(company="Lonza AG")
    employers = [m.employer_contact for m in plan_of(case, 2).measures.order_by("position")]
    assert employers == [lonza, None, None]


def test_the_form_shows_a_catalogue_measure_in_the_readers_language_and_keeps_it_unchanged(client, make_case, cast):
    case = make_case("plan_preparation")
    actions.save_plan(case.records.current_plan, by=cast.case_manager, goals=["Ziel"], measures=catalogue_measures()[:1])
    measure = Measure.objects.get(plan__case=case)
    assert measure.title == "Arbeitsversuch"  # copied in German
    cast.case_manager.language = "fr"
    cast.case_manager.save(update_fields=["language"])
    client.force_login(cast.case_manager)
    html = client.get(edit_url(case)).content.decode()
    assert 'value="Placement à l&#x27;essai"' in html and 'value="Arbeitsversuch"' not in html
    row = {
        "id": str(measure.pk),
        "catalogue_measure": str(measure.catalogue_measure_id),
        "title": "Placement à l'essai",  # as the form showed it
        "employer_contact": str(measure.employer_contact_id),
        "responsible_institution": str(measure.responsible_institution_id),
        "starts_on": measure.starts_on.isoformat(),
    }
    before = measure.history.count()
    assert (
        client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[row], initial_goals=1, initial_measures=1)).status_code
        == 302
    )
    measure.refresh_from_db()
    assert measure.title == "Arbeitsversuch" and measure.history.count() == before  # the same name: no change
    row["title"] = "Placement à l'essai chez Lonza"
    assert (
        client.post(edit_url(case), plan_data(goals=["Ziel"], measures=[row], initial_goals=1, initial_measures=1)).status_code
        == 302
    )
    measure.refresh_from_db()
    assert measure.title == "Placement à l'essai chez Lonza"
