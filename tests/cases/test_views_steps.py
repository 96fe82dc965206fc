"""The record and step forms of cases/views/steps.py as a whole: who reaches each form page
(outsiders get 404, an in-scope user whose role may not use it gets 403) and the fixed
number of queries of each page whatever the size of the case. The behaviour of each form is
tested in test_views_steps_generic.py, test_views_steps_meeting.py, test_views_steps_plan.py,
test_views_steps_review.py and test_views_steps_exit.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import Case, Measure, MeetingParticipant, PowerOfAttorney
from tests.factories import institution
from tests.helpers import field_errors

pytestmark = pytest.mark.django_db

# url name, state of the case, a user in scope whose role may not use the page, and a user
# who may (by fixture name).
PAGES = [
    ("cases:meeting", "assessment", "contact_person", "coordinator"),
    ("cases:first_meeting", "cm_designated", "coordinator", "case_manager"),
    ("cases:edit_plan", "plan_preparation", "coordinator", "case_manager"),
    ("cases:new_review", "implementation", "contact_person", "case_manager"),
    ("cases:new_poa", "implementation", "contact_person", "case_manager"),
    ("cases:interrupt", "implementation", "contact_person", "coordinator"),
    ("cases:exit_report", "exit_report", "coordinator", "case_manager"),
    ("cases:close", "awaiting_closure", "coordinator", "officer"),
    ("cases:new_journal_entry", "implementation", "frontline", "contact_person"),
]


def page_url(name: str, case: Case) -> str:
    if name == "cases:meeting":
        return reverse(name, args=[case.pk, case.meetings.latest("pk").pk])
    return reverse(name, args=[case.pk])


@pytest.mark.parametrize("name,state,wrong,allowed", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404(client, make_case, outsider, name, state, wrong, allowed, method):
    case = make_case(state)
    client.force_login(outsider)
    assert getattr(client, method)(page_url(name, case)).status_code == 404
    assert Case.objects.get(pk=case.pk).state == state


@pytest.mark.parametrize("name,state,wrong,allowed", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_in_scope_with_the_wrong_role_gets_403(client, make_case, request, name, state, wrong, allowed, method):
    case = make_case(state)
    entries = case.journal.count()
    client.force_login(request.getfixturevalue(wrong))
    response = getattr(client, method)(page_url(name, case), {"text": "x"})
    assert response.status_code == 403
    assert "Nicht erlaubt" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == state
    assert case.journal.count() == entries


@pytest.mark.parametrize("name,state,wrong,allowed", PAGES, ids=[p[0] for p in PAGES])
def test_the_allowed_user_gets_the_form_with_a_way_back(client, make_case, request, name, state, wrong, allowed):
    case = make_case(state)
    client.force_login(request.getfixturevalue(allowed))
    response = client.get(page_url(name, case))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' in html and "csrfmiddlewaretoken" in html
    assert f'href="{case.get_absolute_url()}"' in html  # Cancel, back to the case
    assert case.reference in html


def test_the_form_urls_are_put_with_the_page_names():
    assert reverse("cases:step", args=[3, "validate_plan"]) == "/cases/3/step/validate_plan/"
    assert reverse("cases:new_poa", args=[3]) == "/cases/3/powers-of-attorney/new/"


def grow(case: Case, n: int, recorder) -> None:
    """Give the case n participants at its last meeting, n measures and n powers of attorney."""
    meeting = case.meetings.latest("pk")
    MeetingParticipant.objects.bulk_create(
        MeetingParticipant(meeting=meeting, name=f"Dr. Extern {i}", organisation="Spital Wallis", function="Arzt")
        for i in range(n)
    )
    plan = case.plans.order_by("-version").first()
    if plan is not None:
        Measure.objects.bulk_create(
            Measure(
                plan=plan,
                position=10 + i,
                title=f"Massnahme {i}",
                responsible_institution=institution("ai"),
                status="done" if case.state in ("exit_report", "awaiting_closure") else "running",
            )
            for i in range(n)
        )
    for i in range(n):
        poa = PowerOfAttorney(case=case, signed_on=timezone.localdate() - datetime.timedelta(days=400 + i), recorded_by=recorder)
        poa.save()
        poa.institutions.set([institution("rav"), institution("ai")])


# The most queries each page may run (session, user, memberships, case, its records, the
# choices of the form); the same at both data sizes.
# The last two +1 of each: My tasks (n) in the navigation, and the access log's chain head.
MAX_QUERIES = {
    "cases:meeting": 9 + 1 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user's per-case grants; +1: the version loaded
    "cases:first_meeting": 4 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants
    "cases:edit_plan": 13 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants
    "cases:new_review": 11 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants (11: the renewal's institutions)
    "cases:new_poa": 7 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants
    "cases:interrupt": 4 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants
    "cases:exit_report": 7 + 1 + 1 + 1 + 1 + 1,  # +1: access log, grants, the version loaded (7: the powers of attorney)
    "cases:close": 5
    + 1
    + 1
    + 1
    + 1
    + 1,  # +1: access log; +1: the user\'s per-case grants; +1: the letterhead of the letter's frame
    "cases:new_journal_entry": 4 + 1 + 1 + 1 + 1,  # +1: access log; +1: the user\'s per-case grants
}


@pytest.mark.parametrize("name,state,wrong,allowed", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("n", [1, 15])
def test_each_form_page_runs_a_fixed_number_of_queries(
    client, make_case, request, django_assert_max_num_queries, name, state, wrong, allowed, n
):
    case = make_case(state)
    user = request.getfixturevalue(allowed)
    grow(case, n, user)
    url = page_url(name, case)
    client.force_login(user)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200


# --- refusals of the action behind a form -------------------------------------------------


def test_a_refusal_is_shown_above_the_form_with_the_input_kept(client, make_case, coordinator, monkeypatch):
    def refuse(case, **kwargs):
        raise actions.ActionRefused(["Das Journal ist gerade gesperrt."])

    monkeypatch.setattr(actions, "add_journal_entry", refuse)
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "note", "text": "Telefon mit dem Arzt."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dies wurde nicht gespeichert:" in html and "<li>Das Journal ist gerade gesperrt.</li>" in html
    assert "Telefon mit dem Arzt." in html


def test_a_refusal_about_one_field_is_shown_next_to_it(client, make_case, coordinator, monkeypatch):
    def refuse(case, **kwargs):
        raise actions.ActionRefused(["Zu kurz für das Journal."], field="text")

    monkeypatch.setattr(actions, "add_journal_entry", refuse)
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:new_journal_entry", args=[case.pk]), {"kind": "note", "text": "Telefon."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zu kurz für das Journal." in field_errors(html, "text")
    assert "Dies wurde nicht gespeichert:" not in html
    assert "Noch nichts gespeichert: Bitte korrigieren Sie die unten markierten Felder." in html
    assert "Telefon." in html


def test_a_forbidden_refusal_is_a_403(client, make_case, coordinator, monkeypatch):
    def refuse(case, **kwargs):
        raise actions.ActionRefused(["Nicht für diese Rolle."], forbidden=True)

    monkeypatch.setattr(actions, "interrupt", refuse)
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "moved"})
    assert response.status_code == 403
    assert "Nicht für diese Rolle." in response.content.decode()


def test_a_concurrent_change_shows_the_conflict_message(client, make_case, coordinator, monkeypatch):
    def conflict(case, **kwargs):
        raise actions.CaseConflict()

    monkeypatch.setattr(actions, "interrupt", conflict)
    case = make_case("implementation")
    client.force_login(coordinator)
    response = client.post(reverse("cases:interrupt", args=[case.pk]), {"reason": "moved", "note": "Umzug"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jemand anderes hat diesen Fall gleichzeitig geändert." in html
    assert "Umzug" in html
    assert Case.objects.get(pk=case.pk).state == "implementation"
