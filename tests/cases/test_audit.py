"""Who sees and who changed a case: every read of case data is in the append-only access
log (read by the officer), every change is in the change history (officer, coordinator,
case manager), and the coordinator gives and revokes per-case access."""

import datetime

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from cases import actions
from cases.flow.grants import DEPUTY, SHARED
from cases.models import AccessKind, AccessLog, ActionPlan, CaseGrant, CaseState, JournalKind, ResourcesSheet
from roles.models import User
from tests.conftest import make_member
from tests.factories import institution, region
from tests.helpers import messages_of, plan_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- every read of case data is logged -------------------------------------------------------


def test_opening_the_case_page_writes_one_access_log_row(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    before = AccessLog.objects.count()
    response = client.get(case.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.latest("pk")
    assert (entry.user, entry.case, entry.kind, entry.detail, entry.address) == (
        coordinator,
        case,
        AccessKind.VIEW,
        "case page",
        "10.1.2.3",
    )
    assert timezone.now() - entry.at < datetime.timedelta(minutes=1)


def test_a_page_outside_the_scope_writes_nothing(client, make_case, outsider):
    case = make_case("implementation")
    client.force_login(outsider)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_plan_version_and_comparison_pages_are_logged_with_the_versions(client, make_case, case_manager):
    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Neue Lage.")
    client.force_login(case_manager)
    assert client.get(reverse("cases:plan_version", args=[case.pk, 1])).status_code == 200
    assert client.get(reverse("cases:plan_diff", args=[case.pk]), {"from": 1, "to": 2}).status_code == 200
    assert client.get(reverse("cases:case_process", args=[case.pk])).status_code == 200
    rows = list(AccessLog.objects.filter(case=case, user=case_manager).order_by("pk").values_list("kind", "detail"))
    assert rows == [(AccessKind.VIEW_PLAN, "v1"), (AccessKind.VIEW_PLAN, "v1 -> v2"), (AccessKind.VIEW, "process diagram")]


@pytest.mark.parametrize(
    "name, state, who, detail",
    [
        ("cases:edit_plan", "plan_preparation", "case_manager", "plan form"),
        ("cases:resources", "implementation", "case_manager", "resources form"),
        ("cases:new_journal_entry", "implementation", "coordinator", "journal entry form"),
        ("cases:new_poa", "implementation", "case_manager", "power of attorney form"),
        ("cases:interrupt", "implementation", "coordinator", "interrupt form"),
        ("cases:grant", "implementation", "coordinator", "access form"),
    ],
)
def test_opening_a_form_page_is_logged(client, make_case, request, name, state, who, detail):
    case = make_case(state)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse(name, args=[case.pk])).status_code == 200
    entry = AccessLog.objects.get(case=case)
    assert (entry.user, entry.kind, entry.detail) == (user, AccessKind.VIEW, detail)


def test_saving_a_form_is_not_logged_as_a_read(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": JournalKind.NOTE, "text": "Telefon."})
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_a_refused_form_page_is_not_logged(client, make_case, frontline):
    case = make_case("plan_preparation")
    client.force_login(frontline)  # sees the case (reported it), may not edit the plan
    assert client.get(reverse("cases:edit_plan", args=[case.pk])).status_code == 403
    assert not AccessLog.objects.exists()


# --- the access log is append-only ------------------------------------------------------------


@pytest.fixture
def entry(make_case, coordinator):
    return AccessLog.objects.create(case=make_case("reported"), user=coordinator, kind=AccessKind.VIEW, detail="case page")


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.detail = "geändert"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=entry.pk).update(detail="geändert")
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.values_list("detail", flat=True).get(pk=entry.pk) == "case page"


def test_the_database_refuses_to_change_an_entry(entry):
    """On PostgreSQL a trigger refuses even raw SQL; SQLite has no such trigger here, so
    there the model-level refusal is what protects the rows."""
    if connection.vendor == "postgresql":
        for sql in ("UPDATE cases_accesslog SET detail = 'x' WHERE id = %s", "DELETE FROM cases_accesslog WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    else:
        entry.detail = "x"
        with pytest.raises(PermissionError):
            entry.save(update_fields=["detail"])
        with pytest.raises(PermissionError):
            AccessLog.objects.filter(pk=entry.pk).update(detail="x")
    assert AccessLog.objects.values_list("detail", flat=True).get(pk=entry.pk) == "case page"


def test_the_application_has_no_view_that_changes_the_log():
    from cases.urls import urlpatterns

    audit_views = {p.name for p in urlpatterns if p.callback.__module__ == "cases.views.audit"}
    assert audit_views == {"access_log", "history", "grant", "revoke_grant"}


# --- the access log page (officer) ---------------------------------------------------------------


def test_the_officer_reads_who_opened_the_case(client, make_case, officer, coordinator, case_manager):
    case = make_case("implementation")
    for user in (coordinator, case_manager, coordinator):
        client.force_login(user)
        client.get(case.get_absolute_url(), REMOTE_ADDR="10.0.0.7")
    client.force_login(case_manager)
    client.get(reverse("cases:edit_plan", args=[case.pk]))  # 302: not in preparation, not logged
    client.force_login(officer)
    response = client.get(reverse("cases:access_log", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    page = response.context["page"]
    assert [e.user for e in page.object_list] == [coordinator, case_manager, coordinator]  # newest first
    assert html.count('<tr data-kind="view">') == 3
    assert str(coordinator) in html and str(case_manager) in html
    with translation.override("de"):
        assert str(coordinator.active_memberships[0]) in html  # "Regionaler Koordinator (Oberwallis)"
    assert "10.0.0.7" in html
    assert "Fallseite" in html  # the page named in the detail, translated
    # The officer's own visit to the log is not a read of case data.
    assert not AccessLog.objects.filter(user=officer).exists()


def test_the_access_log_shows_the_roles_of_each_reader(client, make_case, officer, coordinator):
    case = make_case("reported")
    client.force_login(coordinator)
    client.get(case.get_absolute_url())
    client.force_login(officer)
    response = client.get(reverse("cases:access_log", args=[case.pk]))
    (row,) = response.context["rows"]
    assert [m.role for m in row[0].user.roles_in_force] == ["regional_coordinator"]
    assert str(row[0].user.roles_in_force[0]) in response.content.decode()


def test_the_access_log_is_paginated(client, make_case, officer, coordinator):
    case = make_case("reported")
    AccessLog.objects.bulk_create(
        AccessLog(case=case, user=coordinator, kind=AccessKind.VIEW, detail=f"Seite {i}") for i in range(55)
    )
    client.force_login(officer)
    first = client.get(reverse("cases:access_log", args=[case.pk]))
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("cases:access_log", args=[case.pk]), {"page": 2})
    assert len(second.context["rows"]) == 5


def test_a_coordinator_may_not_read_the_access_log(client, make_case, coordinator):
    case = make_case("reported")
    client.force_login(coordinator)
    response = client.get(reverse("cases:access_log", args=[case.pk]))
    assert response.status_code == 403
    assert "Zugriffsprotokoll" in response.content.decode()


def test_the_access_log_of_a_case_outside_the_scope_does_not_exist(client, make_case, outsider):
    case = make_case("reported")
    client.force_login(outsider)
    assert client.get(reverse("cases:access_log", args=[case.pk])).status_code == 404


def test_the_access_log_page_accepts_only_get(client, make_case, officer):
    case = make_case("reported")
    client.force_login(officer)
    assert client.post(reverse("cases:access_log", args=[case.pk])).status_code == 405


@pytest.mark.parametrize("n", [1, 30])
def test_the_access_log_runs_a_fixed_number_of_queries(client, make_case, officer, n, django_assert_max_num_queries):
    case = make_case("reported")
    readers = [
        make_member(f"reader-{i}", "contact_person", region=region("ow"), institution=institution("rav")) for i in range(n)
    ]
    AccessLog.objects.bulk_create(AccessLog(case=case, user=user, kind=AccessKind.VIEW, detail="case page") for user in readers)
    client.force_login(officer)
    # session, user, memberships, case, count, page, readers' roles; +1: My tasks (n) in the navigation
    with django_assert_max_num_queries(7 + 1 + 1):  # +1: the access log's chain head
        html = client.get(reverse("cases:access_log", args=[case.pk])).content.decode()
    assert str(readers[-1]) in html


# --- the admin shows the log read-only, to the officer -----------------------------------------


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_the_admin_has_no_add_change_or_delete_for_the_access_log(officer, entry):
    model_admin = admin.site._registry[AccessLog]
    request = admin_request(officer)
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_officer_browses_the_log_in_the_admin(client, officer, entry, make_case, case_manager):
    case_manager.last_name = "Zurbriggen-Searchable"  # a name no other user of the test has
    case_manager.save(update_fields=["last_name"])
    other = AccessLog.objects.create(case=make_case("reported"), user=case_manager, kind=AccessKind.VIEW_PLAN, detail="v1")
    client.force_login(officer)
    changelist = reverse("admin:cases_accesslog_changelist")
    assert client.get(changelist).context["cl"].result_count == 2
    assert list(client.get(changelist, {"kind__exact": "view_plan"}).context["cl"].result_list) == [other]
    assert list(client.get(changelist, {"q": entry.case.reference}).context["cl"].result_list) == [entry]
    assert list(client.get(changelist, {"q": case_manager.last_name}).context["cl"].result_list) == [other]
    assert client.get(reverse("admin:cases_accesslog_add")).status_code == 403
    assert client.get(reverse("admin:cases_accesslog_delete", args=[entry.pk])).status_code == 403
    change = client.get(reverse("admin:cases_accesslog_change", args=[entry.pk]))
    assert change.status_code == 200 and 'name="detail"' not in change.content.decode()  # shown, not editable
    assert client.post(reverse("admin:cases_accesslog_change", args=[entry.pk]), {"detail": "x"}).status_code == 403
    assert AccessLog.objects.get(pk=entry.pk).detail == "case page"


def test_only_the_officer_sees_the_log_in_the_admin(client, entry):
    staff = make_member("sven-secretariat", "secretariat")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(reverse("admin:cases_accesslog_changelist")).status_code == 403


# --- the change history ---------------------------------------------------------------------------


def save_plan_twice(client, case, case_manager):
    client.force_login(case_manager)
    url = reverse("cases:edit_plan", args=[case.pk])
    assert client.post(url, plan_data(goals=["Stelle finden"], notes="Arbeitgeber A angefragt.")).status_code == 302
    assert client.post(url, plan_data(goals=["Stelle finden"], notes="Arbeitgeber A und B angefragt.")).status_code == 302


def test_the_history_shows_a_plan_saved_twice_with_before_and_after(client, make_case, case_manager, coordinator):
    case = make_case("plan_preparation")
    save_plan_twice(client, case, case_manager)
    client.force_login(coordinator)
    response = client.get(reverse("cases:history", args=[case.pk]))
    assert response.status_code == 200
    changes = response.context["page"].object_list
    latest = next(c for c in changes if c.record == "v1")  # the plan itself (its goals changed after it)
    assert (latest.kind, latest.user, latest.model) == ("~", case_manager, "Aktionsplan")
    notes = next(f for f in latest.fields if f.model_field.name == "notes")
    assert (notes.label, notes.before, notes.after) == (
        "Bemerkungen",
        "Arbeitgeber A angefragt.",
        "Arbeitgeber A und B angefragt.",
    )
    html = response.content.decode()
    assert "<del>Arbeitgeber A angefragt.</del>" in html and "<ins>Arbeitgeber A und B angefragt.</ins>" in html
    assert str(case_manager) in html
    # The goal, unchanged at the second save, was created once and never saved again.
    assert [(c.kind, c.user) for c in changes if c.record == "v1: Stelle finden"] == [("+", case_manager)]
    # Opening the history is a read of case data.
    assert AccessLog.objects.filter(case=case, user=coordinator, detail="change history").count() == 1


def test_the_history_shows_choices_by_label_and_people_by_name(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    client.force_login(coordinator)
    changes = client.get(reverse("cases:history", args=[case.pk])).context["page"].object_list
    state_changes = {(f.before, f.after) for c in changes for f in c.fields if f.model_field.name == "state"}
    with translation.override("de"):
        assert (str(CaseState.PLAN_VALIDATION.label), str(CaseState.IMPLEMENTATION.label)) in state_changes
    cm = next(f for c in changes for f in c.fields if f.model_field.name == "case_manager")
    assert (cm.before, cm.after) == ("—", str(case_manager))
    dated = next(f for c in changes for f in c.fields if f.model_field.name == "first_meeting_on")
    assert dated.after == case.first_meeting_on.strftime("%d.%m.%Y")


def test_a_change_to_the_person_is_in_the_history(client, make_case, coordinator):
    case = make_case("reported")
    person = case.person
    person.city = "Visp"
    person.save()
    client.force_login(coordinator)
    changes = client.get(reverse("cases:history", args=[case.pk])).context["page"].object_list
    city = next(f for c in changes for f in c.fields if f.model_field.name == "city")
    assert (city.before, city.after) == ("Brig", "Visp")


def test_the_history_of_another_case_is_not_mixed_in(client, make_case, coordinator, case_manager):
    case = make_case("plan_preparation")
    other = make_case("plan_preparation")
    save_plan_twice(client, other, case_manager)
    client.force_login(coordinator)
    changes = client.get(reverse("cases:history", args=[case.pk])).context["page"].object_list
    assert not any("Lehre als Koch" in f.after for c in changes for f in c.fields)


@pytest.mark.parametrize("who", ["officer", "coordinator", "case_manager"])
def test_the_officer_coordinator_and_case_manager_read_the_history(client, make_case, request, who):
    case = make_case("implementation")
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("cases:history", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("who", ["secretariat", "contact_person", "frontline"])
def test_others_in_scope_may_not_read_the_history(client, make_case, request, who):
    case = make_case("implementation")
    client.force_login(request.getfixturevalue(who))
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.get(reverse("cases:history", args=[case.pk])).status_code == 403


def test_the_history_of_a_case_outside_the_scope_does_not_exist(client, make_case, outsider):
    case = make_case("implementation")
    client.force_login(outsider)
    assert client.get(reverse("cases:history", args=[case.pk])).status_code == 404


def test_a_deputy_reads_the_history(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    actions.grant_access(case, by=coordinator, user=deputy, permission=DEPUTY, valid_until=TODAY, reason="Ferien")
    client.force_login(deputy)
    assert client.get(reverse("cases:history", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 12])
def test_the_history_runs_a_fixed_number_of_queries(
    client, make_case, case_manager, coordinator, n, django_assert_max_num_queries
):
    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Neue Lage.")
    plan = case.records.current_plan
    for i in range(n):
        plan.notes = f"Stand {i}"
        sheet = case.records.resources_sheet or ResourcesSheet(case=case)
        sheet.languages = f"Deutsch, Französisch A{i}"
        actions.save_plan(
            plan,
            by=case_manager,
            goals=[f"Ziel {i}"],
            measures=[{"title": f"Massnahme {i}", "responsible_institution": institution("ai" if i % 2 else "rav")}],
            resources=sheet,
        )
        actions.record_power_of_attorney(case, by=case_manager, signed_on=TODAY, institutions=[institution("rav")])
    client.force_login(coordinator)
    # session, user, memberships, grants, case, access log, 11 history tables (with the
    # records their changes name, joined in); +1: My tasks (n) in the navigation
    with django_assert_max_num_queries(17 + 1 + 1):  # +1: the access log's chain head
        response = client.get(reverse("cases:history", args=[case.pk]))
    assert response.status_code == 200
    assert response.context["page"].paginator.count > n


def test_the_history_is_paginated(client, make_case, case_manager, coordinator):
    case = make_case("plan_preparation")
    plan = ActionPlan.objects.get(case=case)
    for i in range(60):
        plan.notes = f"Notiz {i}"
        plan.save()
    client.force_login(coordinator)
    page = client.get(reverse("cases:history", args=[case.pk])).context["page"]
    assert len(page.object_list) == 50
    assert [f.after for f in page.object_list[0].fields] == ["Notiz 59"]
    assert client.get(reverse("cases:history", args=[case.pk]), {"page": 2}).context["page"].number == 2


# --- per-case grants on the case page --------------------------------------------------------------


def grant_data(user, kind=SHARED, until=None, reason="Beratung IV"):
    until = until or TODAY + datetime.timedelta(days=14)
    return {"grant-user": str(user.pk), "grant-kind": kind, "grant-valid_until": until.isoformat(), "grant-reason": reason}


def test_the_coordinator_sees_the_grants_and_the_link_to_the_form_on_the_case_page(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    actions.grant_access(case, by=coordinator, user=deputy, permission=DEPUTY, valid_until=TODAY, reason="Ferien der CM")
    client.force_login(coordinator)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'id="access"' in html
    assert reverse("cases:history", args=[case.pk]) in html
    assert reverse("cases:access_log", args=[case.pk]) not in html  # the officer's
    assert "Ferien der CM" in html and str(deputy) in html
    grant = CaseGrant.objects.get()
    assert reverse("cases:revoke_grant", args=[case.pk, grant.pk]) in html
    assert f'href="{reverse("cases:grant", args=[case.pk])}"' in html
    # The form, with its list of people, is a page of its own.
    response = client.get(reverse("cases:grant", args=[case.pk]))
    assert f'action="{reverse("cases:grant", args=[case.pk])}"' in response.content.decode()
    assert "Nothing was saved yet" not in response.content.decode() and "Noch nichts gespeichert" not in response.content.decode()
    form = response.context["form"]
    assert deputy.pk in dict(form.fields["user"].choices)
    assert coordinator.pk not in dict(form.fields["user"].choices)


def test_the_officer_sees_the_link_to_the_access_log(client, make_case, officer):
    case = make_case("implementation")
    client.force_login(officer)
    html = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:access_log", args=[case.pk]) in html and reverse("cases:history", args=[case.pk]) in html


def test_the_case_manager_sees_the_history_link_but_no_grants(client, make_case, case_manager, coordinator, deputy):
    case = make_case("implementation")
    actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="Geheimer Grund")
    client.force_login(case_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert reverse("cases:history", args=[case.pk]) in html
    assert "grant-table" not in html and reverse("cases:grant", args=[case.pk]) not in html
    assert reverse("cases:revoke_grant", args=[case.pk, CaseGrant.objects.get().pk]) not in html


def test_a_reader_without_audit_rights_sees_no_audit_card(client, make_case, frontline):
    case = make_case("implementation")
    client.force_login(frontline)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'id="access"' not in html and 'href="#access"' not in html


def test_a_closed_case_offers_no_new_access(client, make_case, officer):
    case = make_case("closed")
    client.force_login(officer)
    response = client.get(case.get_absolute_url())
    assert response.context["audit"]["may_give"] is False
    assert reverse("cases:grant", args=[case.pk]) not in response.content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_the_case_page_with_grants_runs_a_fixed_number_of_queries(
    client, make_case, coordinator, n, django_assert_max_num_queries
):
    case = make_case("implementation")
    for i in range(n):
        user = make_member(f"reader-{i}", "contact_person", region=region("uw"), institution=institution("ai"))
        actions.grant_access(case, by=coordinator, user=user, permission=SHARED, valid_until=TODAY, reason=f"Grund {i}")
    client.force_login(coordinator)
    # the case page's queries (tests/cases/test_views_detail.py): the grants come with the
    # case, and the people to choose from only on the form's own page
    with django_assert_max_num_queries(10):
        html = client.get(case.get_absolute_url()).content.decode()
    assert f"Grund {n - 1}" in html


# --- giving and revoking access ------------------------------------------------------------------


def test_the_coordinator_gives_read_access_and_the_person_then_sees_the_case(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    client.force_login(deputy)
    assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(coordinator)
    response = client.post(reverse("cases:grant", args=[case.pk]), grant_data(deputy, reason="Beratung IV"))
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url() + "#access"
    grant = CaseGrant.objects.select_related("permission").get()
    assert (grant.user, grant.content_object, grant.permission.codename, grant.reason, grant.granted_by) == (
        deputy,
        case,
        SHARED,
        "Beratung IV",
        coordinator,
    )
    assert len(messages_of(response)) == 1 and str(deputy) in messages_of(response)[0]
    client.force_login(deputy)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_the_coordinator_names_a_deputy_who_then_acts_as_case_manager(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    client.force_login(coordinator)
    assert client.post(reverse("cases:grant", args=[case.pk]), grant_data(deputy, kind=DEPUTY)).status_code == 302
    client.force_login(deputy)
    assert client.get(reverse("cases:new_poa", args=[case.pk])).status_code == 200


def test_the_case_manager_may_not_give_access(client, make_case, case_manager, deputy):
    case = make_case("implementation")
    client.force_login(case_manager)
    assert client.post(reverse("cases:grant", args=[case.pk]), grant_data(deputy)).status_code == 403
    assert not CaseGrant.objects.exists()


def test_access_to_a_case_outside_the_scope_cannot_be_given(client, make_case, outsider, deputy):
    case = make_case("implementation")
    client.force_login(outsider)
    assert client.post(reverse("cases:grant", args=[case.pk]), grant_data(deputy)).status_code == 404


def test_the_access_form_is_refused_to_who_may_not_give_access(client, make_case, case_manager, outsider):
    case = make_case("implementation")
    client.force_login(case_manager)
    assert client.get(reverse("cases:grant", args=[case.pk])).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("cases:grant", args=[case.pk])).status_code == 404
    assert not AccessLog.objects.filter(case=case).exists()
    assert client.put(reverse("cases:grant", args=[case.pk])).status_code == 405


def test_an_incomplete_grant_form_is_shown_again_with_the_input(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:grant", args=[case.pk]), grant_data(deputy, reason=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert f'<option value="{deputy.pk}" selected>' in html
    assert not CaseGrant.objects.exists()


def test_a_refused_grant_goes_back_to_the_case_with_the_reason(client, make_case, coordinator, frontline):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:grant", args=[case.pk]), grant_data(frontline, kind=DEPUTY))
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert len(messages_of(response)) == 1
    assert not CaseGrant.objects.exists()


def test_the_coordinator_revokes_an_access(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    grant = actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="x")
    client.force_login(coordinator)
    response = client.post(reverse("cases:revoke_grant", args=[case.pk, grant.pk]))
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url() + "#access"
    assert not CaseGrant.objects.exists()
    client.force_login(User.objects.get(pk=deputy.pk))
    assert client.get(case.get_absolute_url()).status_code == 404


def test_the_case_manager_may_not_revoke(client, make_case, coordinator, case_manager, deputy):
    case = make_case("implementation")
    grant = actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="x")
    client.force_login(case_manager)
    assert client.post(reverse("cases:revoke_grant", args=[case.pk, grant.pk])).status_code == 403
    assert CaseGrant.objects.filter(pk=grant.pk).exists()


def test_a_grant_of_a_case_outside_the_scope_cannot_be_revoked(client, make_case, coordinator, outsider, deputy):
    case = make_case("implementation")
    grant = actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="x")
    client.force_login(outsider)
    assert client.post(reverse("cases:revoke_grant", args=[case.pk, grant.pk])).status_code == 404
    assert CaseGrant.objects.filter(pk=grant.pk).exists()


def test_a_grant_of_another_case_cannot_be_revoked_through_this_one(client, make_case, coordinator, deputy):
    case, other = make_case("implementation"), make_case("implementation")
    grant = actions.grant_access(other, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="x")
    client.force_login(coordinator)
    response = client.post(reverse("cases:revoke_grant", args=[case.pk, grant.pk]))
    assert response.status_code == 302 and len(messages_of(response)) == 1
    assert CaseGrant.objects.filter(pk=grant.pk).exists()


def test_revoking_accepts_only_post(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    grant = actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=TODAY, reason="x")
    client.force_login(coordinator)
    assert client.get(reverse("cases:revoke_grant", args=[case.pk, grant.pk])).status_code == 405
