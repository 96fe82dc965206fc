"""The duplicate check at intake (cases/intake.py, cases/views/intake.py): fuzzy matching on
both databases, nothing disclosed outside the reporter's scope, the responsible coordinator
told, every check in the access log; one open case per person in the database; searches of
the case list in the access log."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from cases import actions
from cases.intake import likely_duplicates, similarity
from cases.models import AccessKind, AccessLog, Case, CaseState, Notification, Person
from tests import helpers
from tests.conftest import make_member
from tests.factories import PersonFactory, institution, region

pytestmark = pytest.mark.django_db

BORN = datetime.date(1980, 5, 17)
AHV = "756.9217.0769.85"


# --- fuzzy matching: the same list on SQLite (Python) and PostgreSQL (pg_trgm + unaccent) ----

NEAR_DUPLICATES = [
    # (first name, last name, birth date, AHV number) -> the first name of the person found
    (("Zoe", "Muller", BORN, ""), "Zoé"),  # accents
    (("Lea", "Muller", BORN, ""), "Zoé"),  # accents in the last name, another first name
    (("Lea", "Mueller", BORN, ""), "Zoé"),  # ü written ue
    (("ZOÉ", "MÜLLER", BORN, ""), "Zoé"),  # capitals
    (("Heinz", "Zenkulsen", BORN, ""), "Hans"),  # transposed letters
    (("Zoé", "Zurbriggen", BORN, ""), "Zoé"),  # a changed last name, the same birth date
    (("Lea", "Imhof-Müller", BORN, ""), "Zoé"),  # a double name
    (("Beat", "Imhof", datetime.date(1991, 2, 3), AHV), "Zoé"),  # the AHV number alone
    (("Zoé", "Müller", datetime.date(1980, 5, 18), ""), None),  # another birth date
    (("Beat", "Imhof", BORN, ""), None),  # another person born the same day
    (("Lea", "Meier", BORN, ""), None),
]


@pytest.mark.parametrize(("entered", "found"), NEAR_DUPLICATES, ids=lambda value: str(value))
def test_near_duplicates_are_found_and_others_not(entered, found):
    Person.objects.create(first_name="Zoé", last_name="Müller", birth_date=BORN, ahv_number=AHV, sex="f", language="de")
    Person.objects.create(first_name="Hans", last_name="Zenklusen", birth_date=BORN, sex="m", language="de")
    Person.objects.create(first_name="Zoé", last_name="Müller", birth_date=datetime.date(1979, 5, 17), sex="f", language="de")
    first_name, last_name, birth_date, ahv_number = entered
    matches = likely_duplicates(first_name=first_name, last_name=last_name, birth_date=birth_date, ahv_number=ahv_number)
    assert [(p.first_name, p.birth_date) for p in matches] == ([(found, BORN)] if found else [])


def test_the_python_similarity_is_pg_trgms():
    # The example of PostgreSQL's documentation: similarity('word', 'two words') = 0.36363637
    assert similarity("word", "two words") == pytest.approx(0.36363637)
    assert similarity("Müller", "MULLER") == 1.0
    assert similarity("", "Muller") == 0.0


# --- nothing disclosed outside the scope -----------------------------------------------------


@pytest.fixture
def elsewhere(make_case):
    """A person of a closed Unterwallis case (ended without case management) that frontline-ow did not report, and the
    coordinator of Unterwallis who follows it."""
    coordinator_uw = make_member("ulrich-uw", "regional_coordinator", region=region("uw"))
    reporter_uw = make_member("vera-uw", "frontline", institution=institution("social"))
    person = PersonFactory.build(
        first_name="Anna", last_name="Muster", birth_date=BORN, ahv_number=AHV, street="Bahnhofstrasse 99", city="Visp"
    )
    case = make_case("reported", person=person, region_code="uw", reporter=reporter_uw)
    Case.objects.filter(pk=case.pk).update(state=CaseState.NO_CASE_MANAGEMENT)
    case.refresh_from_db()
    assert case.coordinator == coordinator_uw
    return case


def assert_nothing_disclosed(body: str, case: Case, *, entered_ahv: bool) -> None:
    """None of the case's or its person's data the reporter did not enter themselves."""
    person = case.person
    with translation.override("de"):
        state = str(case.get_state_display())
    data = [case.reference, person.street, person.city, person.phone, case.get_absolute_url(), state]
    for datum in [d for d in data if d] + ([] if entered_ahv else [AHV, "9217"]):
        assert datum not in body, datum


@pytest.mark.parametrize(
    "entered",
    [
        {},  # the name and date of birth only
        {"person-first_name": "Beat", "person-last_name": "Imhof", "person-birth_date": "1991-02-03", "person-ahv_number": AHV},
    ],
    ids=["name and birth date", "AHV number only"],
)
def test_a_match_outside_the_scope_discloses_nothing_and_tells_the_coordinator(client, frontline, elsewhere, entered):
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data(**entered))
    body = response.content.decode()
    assert response.context["known_elsewhere"] and response.context["candidates"] == []
    assert "bereits bekannt" in body  # only: a person with these details is known
    assert_nothing_disclosed(body, elsewhere, entered_ahv=bool(entered))
    if entered:  # the entered name differs: the known one is not shown either
        assert "Muster" not in body and "17.05.1980" not in body
        assert response.status_code == 409  # the AHV number is taken: no new person
    # the check is in the access log, and the coordinator of the case is told who reported
    logged = AccessLog.objects.get(kind=AccessKind.MATCH, user=frontline)
    assert logged.case == elsewhere and "not shown" in logged.detail
    told = Notification.objects.get(event="known_person")
    assert (told.recipient, told.case, told.actor) == (elsewhere.coordinator, elsewhere, frontline)
    assert Case.objects.count() == 1


def test_outside_the_scope_a_person_only_alike_can_still_be_reported_as_new(client, frontline, elsewhere):
    client.force_login(frontline)
    client.post(reverse("cases:intake"), intake_data())
    response = client.post(reverse("cases:intake"), intake_data(**{"duplicate_choice": "new"}))
    assert response.status_code == 302
    new = Case.objects.exclude(pk=elsewhere.pk).get()
    assert new.person != elsewhere.person
    assert Notification.objects.filter(event="known_person").count() == 1  # told once
    assert AccessLog.objects.filter(kind=AccessKind.MATCH, user=frontline).count() == 2  # each check


def test_inside_the_scope_the_match_is_shown_with_its_link(client, frontline, make_case):
    closed = make_case("reported", person=PersonFactory.build(first_name="Anna", last_name="Müster", birth_date=BORN))
    Case.objects.filter(pk=closed.pk).update(state=CaseState.NO_CASE_MANAGEMENT)
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data())
    body = response.content.decode()
    assert response.status_code == 200 and not response.context["known_elsewhere"]
    assert f'href="{closed.get_absolute_url()}"' in body and "Müster" in body
    logged = AccessLog.objects.get(kind=AccessKind.MATCH, user=frontline)
    assert logged.case == closed and logged.detail.endswith("; shown")
    assert not Notification.objects.filter(event="known_person").exists()


def test_a_check_without_a_match_is_logged_too(client, frontline):
    client.force_login(frontline)
    client.post(reverse("cases:intake"), intake_data())
    logged = AccessLog.objects.get(kind=AccessKind.MATCH, user=frontline)
    assert logged.case is None and "Muster" in logged.detail and logged.detail.endswith("no match")


# --- one open case per person ------------------------------------------------------------------


def test_one_open_case_per_person_is_a_database_constraint(make_case):
    first = make_case("reported")
    second = make_case("reported")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=second.pk).update(person=first.person)
    Case.objects.filter(pk=first.pk).update(state=CaseState.NO_CASE_MANAGEMENT)
    Case.objects.filter(pk=second.pk).update(person=first.person)  # a closed one and an open one
    assert Case.objects.filter(person=first.person).count() == 2


def test_a_report_of_the_same_person_at_the_same_moment_gets_a_message_not_a_500(
    client, frontline, coordinator, make_case, monkeypatch
):
    """Both reporters chose the known person; the other report is saved between this one's
    check and its save (inside next_reference, as under the reference counter's lock)."""
    closed = make_case("reported", person=PersonFactory.build(first_name="Anna", last_name="Muster", birth_date=BORN))
    Case.objects.filter(pk=closed.pk).update(state=CaseState.NO_CASE_MANAGEMENT)
    person = closed.person
    original, raced = actions.next_reference, []

    def the_other_report_first(today):
        if not raced:
            raced.append(None)
            raced[0] = actions.report_case(
                by=coordinator,
                person=Person.objects.get(pk=person.pk),
                reporting_institution=institution("rav"),
                institutions=[institution("rav")],
                region=region("ow"),
                theme=None,
                reason="Gleichzeitig gemeldet",
            )
        return original(today)

    monkeypatch.setattr(actions, "next_reference", the_other_report_first)
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data(**{"duplicate_choice": str(person.pk)}))
    assert response.status_code == 400
    assert "gleichen Moment" in response.content.decode()
    assert raced  # the other report came in between (rolled back with this one in the test's single transaction)
    assert Case.objects.filter(person=person).count() == 1  # only the closed case: nothing half saved


def test_two_reports_of_the_same_new_person_at_once_give_one_case_and_a_message(client, frontline, coordinator, monkeypatch):
    """No AHV number: the other report of the same person is saved between this one's check
    (which found nobody) and its case (inside next_reference, as under the counter's lock)."""
    original, raced = actions.next_reference, []

    def the_other_report_first(today):
        if not raced:
            raced.append(None)
            raced[0] = actions.report_case(
                by=coordinator,
                person=PersonFactory.build(first_name="Anna", last_name="MUSTER", birth_date=BORN, ahv_number=""),
                reporting_institution=institution("rav"),
                institutions=[institution("rav")],
                region=region("ow"),
                theme=None,
                reason="Gleichzeitig gemeldet",
            )
        return original(today)

    monkeypatch.setattr(actions, "next_reference", the_other_report_first)
    client.force_login(frontline)
    response = client.post(reverse("cases:intake"), intake_data())
    assert raced and response.status_code == 400
    assert "gleichen Moment" in response.content.decode()
    assert not Case.objects.exists()  # rolled back with this one in the test's single transaction


# --- searches of the case list ------------------------------------------------------------------


def test_searches_of_the_case_list_are_logged(client, officer, make_case):
    make_case("reported", person=PersonFactory.build(last_name="Muster", ahv_number=AHV))
    client.force_login(officer)
    client.get(reverse("cases:list"))
    assert not AccessLog.objects.filter(kind=AccessKind.SEARCH).exists()
    client.get(reverse("cases:list"), {"q": "756.9217"})
    client.get(reverse("cases:list_export"), {"q": "Muster"})
    assert list(
        AccessLog.objects.filter(kind=AccessKind.SEARCH, user=officer).order_by("pk").values_list("detail", flat=True)
    ) == [
        "case list search: 756.9217",
        "case list search: Muster",
    ]


@pytest.mark.parametrize("others", [1, 15])
def test_the_check_runs_a_fixed_number_of_queries(client, frontline, elsewhere, others, django_assert_max_num_queries):
    """Persons born the same day who are not alike cost no query of their own."""
    for i in range(others):
        Person.objects.create(first_name=f"Xaver{i}", last_name=f"Quennoz{i}", birth_date=BORN, sex="m", language="de")
    client.force_login(frontline)
    # session, user, memberships, the forms' choices, the check (persons, their cases), the
    # scope, the access log, telling the coordinator (its recipients, the notification), the
    # page: the same at both sizes; +1: My tasks (n) in the navigation; +2: the access log's
    # chain head for each of its rows
    with django_assert_max_num_queries(26 + 1 + 2):
        response = client.post(reverse("cases:intake"), intake_data())
    assert response.context["known_elsewhere"]


def intake_data(**changes):
    """The new-case form without an AHV number (tests/helpers.py), with ``changes``."""
    return helpers.intake_data(**{"person-ahv_number": "", **changes})
