"""My tasks against the seeded demo (cases/worklists.py): logged in as each demo role, one
sees one's own waiting work, within one's scope, with its count in the navigation. (A module
of its own: the demo data stay for the whole module.)"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import deadlines, worklists
from cases.commission import members
from cases.flow import scope
from cases.models import Case, CaseState, MeetingKind
from roles.models import User
from tests.cases.test_worklists import fresh, listed, nav_count

# --- the demo: each role sees its own waiting work -------------------------------------------

DEMO_LISTS = {
    "officer": ["closure", "anonymisation", "disputes_escalated", "funding_to_check"],
    "secretariat": [
        "assessments",
        "round_tables",
        "print_plans",
        "print_letters",
        "print_poa",
        "invoices_to_send",
        "overdue_invoices",
    ],
    "coordinator-ow": ["reported", "validate", "network", "disputes", "team_reviews"],
    "coordinator-youth": ["reported", "validate", "network", "disputes", "team_reviews"],
    "contact-rav-ow": ["involved", "minutes", "first_meetings", "reviews", "poa", "sent_back"],
    "casemanager-ow": ["involved", "minutes", "first_meetings", "reviews", "poa", "sent_back"],
    "frontline-rav-ow": ["my_reports"],
    "legal": ["funding_to_decide"],
    "steering": [],
}


@pytest.mark.parametrize("username", sorted(DEMO_LISTS))
def test_each_demo_role_has_its_own_lists(demo, db, username):
    user = User.objects.get(username=username)
    assert [task_list.key for task_list in worklists.lists_of(user)] == DEMO_LISTS[username]


def test_the_demo_officer_has_the_four_cases_waiting_for_closure(demo, db, client):
    officer = User.objects.get(username="officer")
    waiting = set(Case.objects.filter(state=CaseState.AWAITING_CLOSURE).values_list("pk", flat=True))
    assert len(waiting) == 4 and set(listed(officer, "closure")) == waiting
    client.force_login(officer)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    for case in Case.objects.filter(pk__in=waiting):
        assert reverse("cases:close", args=[case.pk]) in html
    # and the demo's three funding requests to check (one submitted, one deferred, and the
    # one the dispute referred to the commission became)
    assert len(listed(officer, "funding_to_check")) == 3
    assert nav_count(html) == 4 + 3


def test_the_demo_secretariat_has_the_four_assessments_to_organise(demo, db, client):
    secretariat = User.objects.get(username="secretariat")
    cases = Case.objects.filter(pk__in=listed(secretariat, "assessments"))
    assert len(cases) == 4
    for case in cases:
        assert case.state in (CaseState.ASSESSMENT, CaseState.NETWORK)
        assert case.meetings.filter(kind=MeetingKind.ASSESSMENT, held_on__isnull=True).exists()
    client.force_login(secretariat)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    for case in cases:
        meeting = case.meetings.filter(kind=MeetingKind.ASSESSMENT, held_on__isnull=True).latest("pk")
        # Not scheduled yet: to the scheduling (cases/scheduling); scheduled: to its record.
        if meeting.scheduled_for is None:
            assert reverse("cases:schedule_meeting", args=[case.pk]) in html
        else:
            assert reverse("cases:meeting", args=[case.pk, meeting.pk]) in html
    assert reverse("cases:print_queue") + "#queue-plan" in html


@pytest.mark.parametrize(
    "username",
    ["officer", "secretariat", "coordinator-ow", "coordinator-mw", "contact-rav-ow", "casemanager-uw", "frontline-rav-ow"],
)
def test_every_demo_role_with_work_sees_it_and_its_count_in_the_navigation(demo, db, client, username):
    user = User.objects.get(username=username)
    counts = worklists.counts(fresh(user))
    assert sum(counts.values()) > 0, counts
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert reverse("cases:my_tasks") in html
    assert nav_count(html) == sum(counts.values())
    page = client.get(reverse("cases:my_tasks")).content.decode()
    for key, count in counts.items():
        section = page.split(f'id="tasks-{key}"')[1].split("</section>")[0]
        assert f'task-count">{count}<' in section
        assert section.count("<tr ") == min(count, 20)


@pytest.mark.parametrize("username", ["steering"])
def test_roles_without_lists_have_no_my_tasks(demo, db, client, username):
    client.force_login(User.objects.get(username=username))
    assert reverse("cases:my_tasks") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("cases:my_tasks")).status_code == 403


def test_every_item_of_every_demo_user_is_within_their_scope_and_their_part(demo, db):
    """Nothing outside ``visible_to``; and each list keeps to the user's part of the case: the
    coordinator's to cases they coordinate, the case manager's to cases they manage, the
    contact person's to cases their institution is involved in, the front-line worker's to
    what they reported."""
    part = {
        "reported": scope.is_responsible_coordinator,
        "validate": scope.is_responsible_coordinator,
        "network": scope.is_responsible_coordinator,
        "team_reviews": scope.is_responsible_coordinator,
        "disputes": scope.is_responsible_coordinator,
        "involved": scope.is_involved_contact.test,
        "minutes": scope.is_involved_contact.test,
        "first_meetings": scope.manages.test,
        "reviews": scope.manages.test,
        "poa": scope.manages.test,
        "sent_back": scope.manages.test,
        "my_reports": scope.reported_it.test,
    }
    checked = 0
    for user in User.objects.filter(is_active=True):
        user = fresh(user)
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        for task_list in worklists.lists_of(user):
            ids = listed(user, task_list.key)
            if task_list.pseudonymous:  # the commission's: requests put to it, never the case
                shown = members.visible_to_members().values_list("case_id", flat=True)
                assert set(ids) <= set(shown), (user.username, task_list.key)
                continue
            assert set(ids) <= visible, (user.username, task_list.key)
            if task_list.key in part:
                for case in Case.objects.filter(pk__in=ids).prefetch_related("institutions"):
                    assert part[task_list.key](user, case), (user.username, task_list.key, case.reference)
            checked += len(ids)
    assert checked > 100


def test_the_deadlines_from_the_kept_dates_are_those_of_the_rules(demo, db):
    """The rows of the deadline lists read the kept dates (``kept_deadline``); the case page
    reads the records (``deadlines_for``): both give the same due date for every demo case."""
    today = timezone.localdate() + datetime.timedelta(days=40)
    compared = 0
    for case in deadlines.load(Case.objects.all()):
        for deadline in deadlines.deadlines_for(case, today):
            kept = deadlines.kept_deadline(case, deadline.rule, today)
            assert kept is not None and kept.due_on == deadline.due_on, (case.reference, deadline.rule)
            compared += 1
        for rule in deadlines.RULES_BY_KEY:
            if deadlines.kept_deadline(case, rule, today) is not None:
                assert rule in {d.rule for d in deadlines.deadlines_for(case, today)}, (case.reference, rule)
    assert compared > 30
