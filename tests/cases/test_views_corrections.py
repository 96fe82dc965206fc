"""cases/views/corrections.py and their actions: correcting the person and the facts of a
case, and designating another case manager, with every change on record and no lost update."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions, worklists
from cases.audit.history import case_changes
from cases.deadlines.reminders import sweep
from cases.models import Case, JournalEntry, Person, Reminder
from roles.models import Institution
from tests.conftest import make_member
from tests.factories import PersonFactory, institution, region
from tests.helpers import fresh, journal_texts, messages_of

pytestmark = pytest.mark.django_db


def person_form(person, **changes):
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date.isoformat(),
        "ahv_number": person.ahv_number,
        "sex": person.sex,
        "language": person.language,
        "street": person.street,
        "postcode": person.postcode,
        "city": person.city,
        "phone": person.phone,
        "email": person.email,
    }
    return {**data, **changes}


def version_in(response) -> str:
    return response.context["form"]["version"].value()


# --- the person ------------------------------------------------------------------------------


def test_the_case_manager_corrects_the_person_and_the_history_keeps_before_and_after(client, make_case, case_manager):
    case = make_case("implementation")
    url = reverse("cases:edit_person", args=[case.pk])
    client.force_login(case_manager)
    page = client.get(url)
    assert page.status_code == 200
    old_city = case.person.city
    response = client.post(url, person_form(case.person, city="Brig-Glis", language="fr", version=version_in(page)))
    assert response.status_code == 302
    person = Person.objects.get(pk=case.person_id)
    assert (person.city, person.language) == ("Brig-Glis", "fr")
    changes = [c for c in case_changes(case) if c.case_id is None]
    by_field = {f.name: (f.old_value, f.new_value) for c in changes for f in c.fields}
    assert by_field["city"] == (old_city, "Brig-Glis")
    assert any(text.startswith("Daten der Person korrigiert: ") for text in journal_texts(case))


def test_a_wrong_check_digit_is_refused_on_the_field_and_the_input_kept(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    url = reverse("cases:edit_person", args=[case.pk])
    response = client.post(url, person_form(case.person, ahv_number="756.9217.0769.84", city="Visp"))
    assert response.status_code == 200
    assert response.context["form"].errors["ahv_number"]
    assert 'value="Visp"' in response.content.decode()
    assert Person.objects.get(pk=case.person_id).ahv_number == case.person.ahv_number


def test_an_ahv_number_of_another_person_is_refused(client, make_case, coordinator):
    other = PersonFactory(ahv_number="756.9217.0769.85")
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:edit_person", args=[case.pk]), person_form(case.person, ahv_number=other.ahv_number))
    assert response.status_code == 200
    assert "Eine andere Person hat bereits diese AHV-Nummer" in response.content.decode()
    assert Person.objects.get(pk=case.person_id).ahv_number != other.ahv_number


def test_the_reporter_corrects_until_the_round_table(client, make_case, frontline):
    case = make_case("reported")
    client.force_login(frontline)
    assert client.get(reverse("cases:edit_person", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:edit_case_facts", args=[case.pk])).status_code == 200
    later = make_case("round_table")
    assert client.get(reverse("cases:edit_person", args=[later.pk])).status_code == 403


def test_a_closed_case_cannot_be_corrected(client, make_case, officer):
    case = make_case("closed")
    client.force_login(officer)
    response = client.get(reverse("cases:edit_person", args=[case.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Dieser Fall ist abgeschlossen: er kann nicht mehr geändert werden."]


def test_a_stale_form_is_refused_with_who_saved_what_and_keeps_the_input(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    url = reverse("cases:edit_person", args=[case.pk])
    client.force_login(coordinator)
    loaded = client.get(url)
    actions.correct_person(case, by=case_manager, fields={"phone": "027 922 00 11"}, version=None)

    response = client.post(url, person_form(case.person, email="neu@example.ch", version=version_in(loaded)))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"In der Zwischenzeit geändert von {case_manager}" in html
    assert "027 922 00 11" in html  # what the other person saved
    assert 'value="neu@example.ch"' in html  # what the user typed
    assert Person.objects.get(pk=case.person_id).email != "neu@example.ch"

    again = client.post(url, person_form(case.person, email="neu@example.ch", version=version_in(response)))
    assert again.status_code == 302
    saved = Person.objects.get(pk=case.person_id)
    assert saved.email == "neu@example.ch"


# --- the facts ---------------------------------------------------------------------------------


@pytest.fixture
def coordinator_uw(db):
    return make_member("ulrich-coordinator", "regional_coordinator", region=region("uw"))


def facts_form(case, **changes):
    data = {
        "institutions": [i.pk for i in case.institutions.all()],
        "lead_institution": case.lead_institution_id or "",
        "region": case.region_id,
        "theme": case.theme_id or "",
        "coordinator": "",
        "reason": case.reason,
    }
    return {**data, **changes}


def visible(user, case) -> bool:
    return Case.objects.visible_to(fresh(user)).filter(pk=case.pk).exists()


def to_validate(user, today) -> list[int]:
    """The cases of the user's My tasks list of plans waiting for validation."""
    return list(worklists.BY_KEY["validate"].items(fresh(user), today).values_list("pk", flat=True))


def test_moving_a_case_to_another_region_moves_its_scope_its_coordinator_and_its_tasks(
    client, make_case, coordinator, coordinator_uw, case_manager
):
    case = make_case("plan_validation")
    later = timezone.localdate() + datetime.timedelta(days=20)  # the plan validation is then overdue
    assert visible(coordinator, case) and not visible(coordinator_uw, case)
    assert to_validate(coordinator, later) == [case.pk]
    assert to_validate(coordinator_uw, later) == []

    client.force_login(coordinator)
    response = client.post(reverse("cases:edit_case_facts", args=[case.pk]), facts_form(case, region=region("uw").pk))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.region == region("uw") and case.coordinator == coordinator_uw
    assert not visible(coordinator, case) and visible(coordinator_uw, case)
    assert visible(case_manager, case), "the case manager keeps the case"
    assert to_validate(coordinator, later) == []
    assert to_validate(coordinator_uw, later) == [case.pk]
    sweep(later)
    assert set(Reminder.objects.filter(case=case, rule="plan_validation").values_list("recipient", flat=True)) == {
        coordinator_uw.pk
    }


def test_the_institutions_involved_change_on_record_and_keep_the_reporting_one(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    data = facts_form(case, institutions=[institution("ai").pk], lead_institution=institution("ai").pk)
    assert client.post(reverse("cases:edit_case_facts", args=[case.pk]), data).status_code == 302
    case.refresh_from_db()
    assert {i.code for i in case.institutions.all()} == {"ai", "rav"}
    assert case.lead_institution == institution("ai")
    in_history = [(f.old_value, f.new_value) for c in case_changes(case) for f in c.fields if f.name == "institutions_on_record"]
    assert in_history == [("RAV, SOCIAL", "AI, RAV")], "the change history shows before and after"
    JournalEntry.objects.filter(case=case, event="institutions_changed").get()
    assert "Beteiligte Institutionen: DSW, RAV → IV, RAV" in journal_texts(case)
    assert "Institutions impliquées : ORP, SAS → AI, ORP" in journal_texts(case, "fr")


def test_a_coordinator_of_another_unit_cannot_be_chosen(client, make_case, coordinator, coordinator_uw):
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:edit_case_facts", args=[case.pk]), facts_form(case, coordinator=coordinator_uw.pk))
    assert response.status_code == 200
    assert "Koordinator der Region oder des Themas" in response.content.decode()
    case.refresh_from_db()
    assert case.coordinator == coordinator


@pytest.mark.parametrize("extra", [0, 6])
def test_the_correction_pages_run_a_fixed_number_of_queries(client, make_case, coordinator, django_assert_max_num_queries, extra):
    case = make_case("implementation")
    for _ in range(extra):
        make_case("reported")
    client.force_login(coordinator)
    for name in ("cases:edit_person", "cases:edit_case_facts", "cases:replace_case_manager"):
        client.get(reverse(name, args=[case.pk]))  # warm the session and the reference caches
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name, args=[case.pk])).status_code == 200


# --- another case manager ----------------------------------------------------------------------


def test_the_coordinator_designates_another_case_manager(client, make_case, coordinator, case_manager, contact_person):
    case = make_case("implementation")
    Reminder.objects.create(case=case, rule="review_with_person", due_on=timezone.localdate(), kind="due", recipient=case_manager)
    client.force_login(coordinator)
    url = reverse("cases:replace_case_manager", args=[case.pk])
    response = client.post(url, {"case_manager": contact_person.pk, "reason": "Stellenwechsel"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.case_manager == contact_person
    assert any("Stellenwechsel" in text for text in journal_texts(case))
    assert Reminder.objects.get(recipient=case_manager).resolved_at is not None, "not sent to the previous one"
    # The previous case manager no longer acts as case manager: the plan is not theirs to change.
    client.force_login(case_manager)
    assert client.get(reverse("cases:new_review", args=[case.pk])).status_code in (403, 404)
    client.force_login(contact_person)
    assert client.get(reverse("cases:new_review", args=[case.pk])).status_code == 200


def test_the_case_manager_cannot_designate_another_and_a_reason_is_required(
    client, make_case, coordinator, case_manager, contact_person
):
    case = make_case("implementation")
    client.force_login(case_manager)
    url = reverse("cases:replace_case_manager", args=[case.pk])
    assert client.post(url, {"case_manager": contact_person.pk, "reason": "x"}).status_code == 403
    client.force_login(coordinator)
    response = client.post(url, {"case_manager": contact_person.pk, "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    case.refresh_from_db()
    assert case.case_manager == case_manager


def test_the_first_meeting_deadline_stays_where_it_was_after_a_replacement(make_case, coordinator, contact_person):
    from cases import deadlines

    case = make_case("cm_designated")
    before = deadlines.first_meeting(case, timezone.localdate()).due_on
    actions.replace_case_manager(case, by=coordinator, case_manager=contact_person, reason="Krank")
    case.refresh_from_db()
    assert deadlines.first_meeting(case, timezone.localdate()).due_on == before


FACTS_QUERIES = 12


@pytest.mark.parametrize("extra", [0, 6])
def test_the_facts_page_runs_the_same_queries_whatever_the_institutions_and_cases(
    client, make_case, coordinator, django_assert_num_queries, extra
):
    case = make_case("implementation")
    for _ in range(extra):
        make_case("reported")
        Institution.objects.create(code=f"extra{_}", name_de="Stelle", name_fr="Office", short_de="S", short_fr="O")
    case.institutions.add(*Institution.objects.all()[:extra])
    client.force_login(coordinator)
    url = reverse("cases:edit_case_facts", args=[case.pk])
    client.get(url)  # warm the session and the reference caches
    # user, memberships, grants, the case, its version, its institutions; the access log (+1
    # its chain head); the institutions offered (once for both fields), the coordinators,
    # regions and themes; My tasks (n) in the navigation
    with django_assert_num_queries(FACTS_QUERIES):
        html = client.get(url).content.decode()
    assert html.count('name="institutions"') == Institution.objects.filter(is_active=True).count()
