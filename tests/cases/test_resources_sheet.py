"""The resources data sheet (cases.models.ResourcesSheet, CII101 steps 3 and 4): its own page
(cases:resources) and the forms that carry it (round table or assessment, action plan,
review) save and refuse as the policy's ``edit_resources`` says; the case page shows it at a
fixed number of queries; the action plan PDF prints it in the person's language; the change
history shows its changes; migration 0015 moved the plans' old free text into it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.documents import rendering
from cases.models import JournalEntry, ResourcesSheet
from tests.cases.test_views_detail import MAX_QUERIES, count_queries, grow
from tests.helpers import (
    journal_texts,
    meeting_data,
    messages_of,
    person,
    plan_data,
    plan_of,
    review_data,
    signed_power_of_attorney,
    text,
)

pytestmark = pytest.mark.django_db

# What the person states, as the form posts it (prefix "resources").
SHEET = {
    "resources-education": "Lehre als Koch EFZ",
    "resources-work_experience": "Zehn Jahre Hotelküche in Zermatt",
    "resources-languages": "Deutsch (Muttersprache), Italienisch A2",
    "resources-work_capacity": "60",
    "resources-constraints": "Keine Nachtarbeit",
    "resources-driving_licence": "true",
    "resources-has_car": "false",
    "resources-childcare": "Ein Kind (5), Kita an drei Tagen",
    "resources-other": "Zuverlässig, Feuerwehr im Dorf.",
}


def url(case):
    return reverse("cases:resources", args=[case.pk])


def sheet_of(case) -> ResourcesSheet | None:
    return ResourcesSheet.objects.filter(case=case).first()


def record(case, by, **values) -> ResourcesSheet:
    """The sheet saved through the action, as the forms do."""
    sheet = sheet_of(case) or ResourcesSheet(case=case)
    for name, value in values.items():
        setattr(sheet, name, value)
    return actions.save_resources(sheet, by=by)


# --- its own page: who may, and when ------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login(client, make_case):
    case = make_case("implementation")
    response = client.get(url(case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_outside_the_scope_the_page_does_not_exist(client, make_case, deputy):
    case = make_case("implementation")
    client.force_login(deputy)
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), SHEET).status_code == 404
    assert sheet_of(case) is None


@pytest.mark.parametrize("role", ["officer", "contact_person", "frontline"])
def test_roles_the_policy_does_not_name_get_403_and_change_nothing(client, make_case, request, role):
    case = make_case("implementation")
    client.force_login(request.getfixturevalue(role))
    response = client.get(url(case))
    assert response.status_code == 403
    assert "Nur der Koordinator, das Sekretariat oder der Case Manager erfasst das Datenblatt Ressourcen." in (
        response.content.decode()
    )
    assert client.post(url(case), SHEET).status_code == 403
    assert sheet_of(case) is None


@pytest.mark.parametrize("state", ["cm_designated", "plan_validation", "exit_report"])
def test_outside_its_states_the_page_sends_back_to_the_case_saying_why(client, make_case, case_manager, state):
    case = make_case(state)
    client.force_login(case_manager)
    response = client.post(url(case), SHEET)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert messages_of(response) == [
        "Das Datenblatt Ressourcen wird am Runden Tisch oder im Assessment, mit dem Aktionsplan und während seiner "
        "Umsetzung erfasst."
    ]
    assert sheet_of(case) is None


@pytest.mark.parametrize("role", ["case_manager", "coordinator", "secretariat"])
def test_the_roles_of_the_policy_save_the_sheet_on_its_page(client, make_case, request, role):
    case = make_case("implementation")
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(url(case)).content.decode()
    assert 'name="resources-work_capacity"' in page
    assert "Keine Diagnosen" in page  # the help text: what the person states, not diagnoses
    response = client.post(url(case), SHEET)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert messages_of(response) == ["Datenblatt Ressourcen gespeichert."]
    sheet = sheet_of(case)
    assert (sheet.education, sheet.languages, sheet.work_capacity) == (
        "Lehre als Koch EFZ",
        "Deutsch (Muttersprache), Italienisch A2",
        60,
    )
    assert (sheet.driving_licence, sheet.has_car, sheet.updated_by) == (True, False, user)
    assert case.journal.filter(author=user, event="resources_recorded").exists()
    assert "Datenblatt Ressourcen erfasst" in journal_texts(case)


def test_the_action_refuses_what_the_page_refuses(make_case, contact_person, case_manager):
    case = make_case("plan_validation")
    with pytest.raises(actions.ActionRefused) as refused:
        record(case, contact_person, languages="Deutsch")
    assert refused.value.forbidden
    with pytest.raises(actions.ActionRefused) as refused:
        record(case, case_manager, languages="Deutsch")
    assert not refused.value.forbidden
    assert sheet_of(case) is None


def test_a_work_capacity_over_100_is_refused_next_to_the_field(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(url(case), {**SHEET, "resources-work_capacity": "120"})
    assert response.status_code == 200
    assert response.context["resources"].errors["work_capacity"]
    assert sheet_of(case) is None


def test_a_sheet_saved_unchanged_is_neither_created_nor_marked_updated(client, make_case, case_manager, coordinator):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(url(case), {})
    assert messages_of(response) == ["Am Datenblatt Ressourcen hat sich nichts geändert."]
    assert sheet_of(case) is None
    sheet = record(case, coordinator, languages="Deutsch")
    client.get(case.get_absolute_url())  # the message above is shown
    response = client.post(url(case), {"resources-languages": "Deutsch"})
    assert messages_of(response) == ["Am Datenblatt Ressourcen hat sich nichts geändert."]
    assert ResourcesSheet.objects.get(pk=sheet.pk).updated_by == coordinator
    assert sheet.history.count() == 1


# --- the forms that carry it ------------------------------------------------------------------


def test_the_coordinator_records_the_sheet_with_the_assessment(client, make_case, coordinator, case_manager):
    case = make_case("assessment")
    meeting = case.meetings.get()
    client.force_login(coordinator)
    page = client.get(reverse("cases:meeting", args=[case.pk, meeting.pk])).content.decode()
    assert 'name="resources-languages"' in page
    response = client.post(reverse("cases:meeting", args=[case.pk, meeting.pk]), {**meeting_data(cm=case_manager), **SHEET})
    assert response.status_code == 302
    sheet = sheet_of(case)
    assert (sheet.childcare, sheet.updated_by) == ("Ein Kind (5), Kita an drei Tagen", coordinator)
    # The medical fields of the assessment stay where they are.
    assert case.meetings.get().medical_situation == "Rückenleiden, leichte Tätigkeit möglich."


def test_a_meeting_saved_without_touching_the_sheet_leaves_it_alone(client, make_case, coordinator, case_manager):
    case = make_case("assessment")
    meeting = case.meetings.get()
    client.force_login(coordinator)
    assert client.post(reverse("cases:meeting", args=[case.pk, meeting.pk]), meeting_data(cm=case_manager)).status_code == 302
    assert sheet_of(case) is None
    assert not JournalEntry.objects.filter(case=case, text__startswith="Datenblatt").exists()


def test_the_case_manager_brings_the_sheet_up_to_date_with_the_plan(client, make_case, case_manager, coordinator):
    case = make_case("plan_preparation")
    record(case, coordinator, languages="Deutsch", work_capacity=50)
    client.force_login(case_manager)
    page = client.get(reverse("cases:edit_plan", args=[case.pk])).content.decode()
    assert 'value="Deutsch"' in page  # the sheet as recorded at the assessment
    data = plan_data(
        goals=["Stelle finden"], **{"resources-languages": "Deutsch, Französisch B1", "resources-work_capacity": "50"}
    )
    assert client.post(reverse("cases:edit_plan", args=[case.pk]), data).status_code == 302
    sheet = sheet_of(case)
    assert (sheet.languages, sheet.work_capacity, sheet.updated_by) == ("Deutsch, Französisch B1", 50, case_manager)


def test_the_case_manager_updates_the_sheet_at_a_review(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)  # the review checks it "valid"
    client.force_login(case_manager)
    data = {**review_data(case), "resources-driving_licence": "true", "resources-has_car": "true"}
    assert client.post(reverse("cases:new_review", args=[case.pk]), data).status_code == 302
    sheet = sheet_of(case)
    assert (sheet.driving_licence, sheet.has_car, sheet.updated_by) == (True, True, case_manager)
    assert case.reviews.count() == 1


def test_a_review_with_errors_saves_no_sheet_either(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    data = {**review_data(case, poa_check="", kind="with_person"), **SHEET}
    response = client.post(reverse("cases:new_review", args=[case.pk]), data)
    assert response.status_code == 200
    assert sheet_of(case) is None and not case.reviews.exists()


# --- the case page ------------------------------------------------------------------------------


def test_the_case_page_shows_the_sheet_with_who_updated_it(client, make_case, case_manager, coordinator, contact_person):
    case = make_case("implementation")
    record(
        case,
        case_manager,
        education="Lehre als Koch EFZ",
        languages="Deutsch (Muttersprache), Italienisch A2",
        work_capacity=60,
        driving_licence=True,
        has_car=False,
        other="Zuverlässig.",
    )
    client.force_login(contact_person)  # who sees the case reads the sheet
    html = client.get(case.get_absolute_url()).content.decode()
    section = html.split('id="resources"', 1)[1].split("</section>", 1)[0]
    for shown in (
        "Ausbildung und Abschlüsse",
        "Lehre als Koch EFZ",
        "Sprachen",
        "Italienisch A2",
        "Arbeitsfähigkeit nach Angabe der Person (%)",
        "60 %",
        "Führerausweis</dt><dd>ja",
        "Auto verfügbar</dt><dd>nein",
        "Zuverlässig.",
        f"geändert von {case_manager}",
    ):
        assert shown in section, shown
    assert "Kinderbetreuung" not in section  # empty fields are left out
    assert url(case) not in html  # a contact person may not update it
    client.force_login(case_manager)
    assert url(case) in client.get(case.get_absolute_url()).content.decode()


def test_the_case_page_says_when_there_is_no_sheet_yet(client, make_case, coordinator):
    case = make_case("assessment")
    client.force_login(coordinator)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Noch kein Datenblatt Ressourcen" in html
    assert url(case) in html  # the coordinator may record it now


def test_the_case_page_runs_the_same_queries_with_a_sheet_at_two_data_sizes(client, make_case, coordinator, case_manager):
    bare = make_case("implementation", person=person(last_name="Ohne"))
    grow(bare, 1, coordinator=coordinator, case_manager=case_manager)
    small = make_case("implementation", person=person(last_name="Klein"))
    grow(small, 1, coordinator=coordinator, case_manager=case_manager)
    record(small, case_manager, languages="Deutsch", driving_licence=True)
    large = make_case("implementation", person=person(last_name="Gross"))
    grow(large, 15, coordinator=coordinator, case_manager=case_manager)
    record(large, case_manager, **{name: "x" for name in ("education", "work_experience", "languages", "other")})
    client.force_login(case_manager)
    counts = [count_queries(client, reverse("cases:detail", args=[case.pk])) for case in (bare, small, large)]
    assert counts[0] == counts[1] == counts[2] <= MAX_QUERIES


# --- the action plan PDF, in the person's language ---------------------------------------------


def flat(pdf: bytes) -> str:
    """The PDF's text on one line (table cells wrap)."""
    return " ".join(text(pdf).split())


def test_the_plan_pdf_prints_the_sheet_in_german(make_case, case_manager):
    case = make_case("implementation", person=person("de"))
    record(case, case_manager, education="Lehre als Koch EFZ", work_capacity=60, driving_licence=True, has_car=False)
    body = flat(rendering.render_action_plan(plan_of(case)))
    assert "Datenblatt Ressourcen" in body
    assert "Ausbildung und Abschlüsse Lehre als Koch EFZ" in body
    assert "Arbeitsfähigkeit nach Angabe der Person (%) 60 %" in body
    assert "Führerausweis ja" in body and "Auto verfügbar nein" in body


def test_the_plan_pdf_prints_the_sheet_in_french(client, make_case, case_manager):
    case = make_case("implementation", person=person("fr"))
    record(case, case_manager, education="CFC de cuisinier", work_capacity=60, driving_licence=True, childcare="Crèche")
    client.force_login(case_manager)  # a German interface: the document is in the person's language
    response = client.get(reverse("cases:plan_pdf", args=[case.pk, 1]))
    body = flat(response.content)
    assert "Fiche des ressources" in body
    assert "Formation et qualifications CFC de cuisinier" in body
    assert "Capacité de travail selon la personne (%) 60 %" in body
    assert "Permis de conduire oui" in body and "Garde des enfants Crèche" in body
    assert "Ausbildung" not in body


# --- the change history -------------------------------------------------------------------------


def test_the_history_shows_a_change_to_the_sheet(client, make_case, case_manager, coordinator):
    case = make_case("implementation")
    client.force_login(case_manager)
    client.post(url(case), {"resources-languages": "Deutsch"})
    client.post(url(case), {"resources-languages": "Deutsch, Französisch B1"})
    client.force_login(coordinator)
    response = client.get(reverse("cases:history", args=[case.pk]))
    changes = [c for c in response.context["page"].object_list if c.record_type == "resources_sheet"]
    assert [(c.kind, c.user) for c in changes] == [("~", case_manager), ("+", case_manager)]
    [field] = changes[0].fields  # who and when are the history's own: not listed as fields
    assert (field.label, field.before, field.after) == ("Sprachen", "Deutsch", "Deutsch, Französisch B1")
    assert "<ins>Deutsch, Französisch B1</ins>" in response.content.decode()


# --- migration 0015: the old free text moves into the sheet -------------------------------------

BEFORE = [("cases", "0014_measure_employer")]
AFTER = [("cases", "0015_resources_sheet")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_latest_free_text_of_each_case_into_other_resources(
    reference_rows, make_case, case_manager, coordinator
):
    changed = make_case("implementation")
    actions.change_plan(changed, by=case_manager, reason="Neue Lage.")  # versions 1 and 2
    empty = make_case("implementation", person=person(last_name="Leer"))
    try:
        old = migrate(BEFORE)
        plans = old.get_model("cases", "ActionPlan")
        history = old.get_model("cases", "HistoricalActionPlan")
        plans.objects.filter(case_id=changed.pk, version=1).update(resources="Lehre als Koch.")
        v2 = plans.objects.get(case_id=changed.pk, version=2)
        v2.resources = "Lehre als Koch, Führerausweis B.\nMotiviert."
        v2.save()
        # The coordinator wrote the text last (the plan's change history says who and when).
        written = timezone.now()
        history.objects.create(
            **{f.attname: getattr(v2, f.attname) for f in plans._meta.concrete_fields},
            history_date=written,
            history_type="~",
            history_user_id=coordinator.pk,
        )

        migrate(AFTER)

        sheet = ResourcesSheet.objects.get(case=changed)
        assert sheet.other == "Lehre als Koch, Führerausweis B.\nMotiviert."
        assert (sheet.updated_by, sheet.updated_at) == (coordinator, written)
        assert [(h.history_type, h.history_user_id, h.other) for h in sheet.history.all()] == [("+", coordinator.pk, sheet.other)]
        assert not ResourcesSheet.objects.filter(case=empty).exists()

        # Backwards, the sheet goes back into the latest version's free text.
        sheet.languages = "Deutsch"
        sheet.save()
        old = migrate(BEFORE)
        moved_back = old.get_model("cases", "ActionPlan").objects.get(case_id=changed.pk, version=2).resources
        assert moved_back == "languages: Deutsch\nLehre als Koch, Führerausweis B.\nMotiviert."
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
