"""My tasks (cases/worklists.py, cases/views/inbox.py): each role's lists of waiting work,
computed in SQL from the database state, within the user's scope, paged list by list, in a
fixed number of queries, counted in the navigation; an item leaves its list once done."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions, worklists
from cases.demo.walk import walk
from cases.documents import printqueue
from cases.flow.grants import DEPUTY
from cases.models import Case, CaseState, JournalKind, MeetingKind, Review, ReviewDecision, ReviewKind
from roles.models import User
from tests.conftest import make_member
from tests.factories import institution, region


def fresh(user: User) -> User:
    """The user as a new request loads it (memberships, grants and counts not cached)."""
    return User.objects.get(pk=user.pk)


def listed(user: User, key: str) -> list[int]:
    """The case ids of list ``key`` for ``user``, in the list's order."""
    user = fresh(user)
    today = timezone.localdate()
    task_list = worklists.BY_KEY[key]
    rows = [task_list.row(item, today) for item in task_list.items(user, today)]
    return [row.case.pk for row in rows if row.case is not None]  # the invoices have no case


def nav_count(html: str) -> int | None:
    found = re.search(r'class="badge rounded-pill text-bg-light nav-count"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else None


# --- an item leaves its list once done ----------------------------------------------------------


def test_a_case_waiting_for_closure_leaves_the_officers_list_once_closed(make_case, officer):
    case = make_case("awaiting_closure")
    assert listed(officer, "closure") == [case.pk]
    actions.close_case(case, by=officer, letter_text="")
    assert listed(officer, "closure") == []


def test_the_officer_does_not_close_a_case_they_manage_so_it_is_not_their_task(make_case, officer):
    case = make_case("awaiting_closure")
    Case.objects.filter(pk=case.pk).update(case_manager=officer)
    assert listed(officer, "closure") == []


def test_an_assessment_leaves_the_secretariats_list_once_recorded_as_held(make_case, secretariat, cast):
    case = make_case("assessment")
    assert listed(secretariat, "assessments") == [case.pk]
    walk(case, CaseState.CM_DESIGNATED, cast)  # the meeting is recorded as held, the case manager designated
    assert listed(secretariat, "assessments") == []


def test_a_new_assessment_asked_for_during_implementation_is_the_secretariats(make_case, secretariat, case_manager):
    case = make_case("implementation")
    actions.ask_network(case, by=case_manager, kind=MeetingKind.ASSESSMENT, reason="Neue Abklärung nötig.")
    assert listed(secretariat, "assessments") == [case.pk]


def test_a_round_table_is_not_an_assessment_to_organise(make_case, secretariat):
    make_case("round_table")
    assert listed(secretariat, "assessments") == []


def test_a_document_leaves_the_print_list_once_marked_printed(make_case, secretariat):
    case = make_case("plan_validation")
    assert listed(secretariat, "print_plans") == [case.pk]
    items = printqueue.selected(secretariat, [f"plan-{case.records.current_plan.pk}"])
    actions.mark_documents(items, by=secretariat, mark="printed")
    assert listed(secretariat, "print_plans") == []
    # Still in the print queue (its signed scan is not filed), no longer to print.
    assert [item.case.pk for item in printqueue.print_queue(secretariat)["plan"]] == [case.pk]


def test_a_reported_case_leaves_the_coordinators_and_the_contact_persons_lists_once_taken_on(
    make_case, coordinator, contact_person
):
    case = make_case("reported")
    assert listed(coordinator, "reported") == [case.pk]
    assert listed(contact_person, "involved") == [case.pk]  # RAV is involved, in Oberwallis
    actions.plan_meeting(case, by=coordinator, kind=MeetingKind.ROUND_TABLE)
    assert listed(coordinator, "reported") == []
    assert listed(contact_person, "involved") == []


def test_a_plan_leaves_the_validation_list_once_validated(make_case, coordinator):
    case = make_case("plan_validation")
    assert listed(coordinator, "validate") == [case.pk]
    actions.validate_plan(case, by=coordinator)
    assert listed(coordinator, "validate") == []


def test_a_plan_sent_back_waits_for_the_case_manager_until_submitted_again(make_case, coordinator, case_manager, cast):
    case = make_case("plan_validation")
    assert listed(case_manager, "sent_back") == []
    actions.send_back_plan(case, by=coordinator, reasons="Ziele zu vage.", options="Arbeitstraining zuerst.")
    assert listed(case_manager, "sent_back") == [case.pk]
    walk(case, CaseState.PLAN_VALIDATION, cast)  # reworked, signed and submitted again
    assert listed(case_manager, "sent_back") == []
    assert listed(coordinator, "validate") == [case.pk]


def test_a_plan_changed_after_validation_is_not_sent_back(make_case, case_manager):
    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Neue Massnahme.")
    assert case.state == CaseState.PLAN_PREPARATION
    assert listed(case_manager, "sent_back") == []


def test_a_network_meeting_asked_for_leaves_the_coordinators_list_once_the_plan_resumes(make_case, coordinator, cast):
    case = make_case("network")
    assert listed(coordinator, "network") == [case.pk]
    meeting = case.records.last_meeting
    meeting.held_on = timezone.localdate()
    meeting.decision = "continue_plan"
    meeting.result = "Weiter wie geplant."
    actions.save_meeting(meeting, by=coordinator)
    actions.resume_plan(case, by=coordinator)
    assert listed(coordinator, "network") == []


def test_the_first_meeting_leaves_the_case_managers_list_once_recorded(make_case, case_manager):
    case = make_case("cm_designated")
    assert listed(case_manager, "first_meetings") == [case.pk]
    actions.start_plan(case, by=case_manager, first_meeting_on=timezone.localdate())
    assert listed(case_manager, "first_meetings") == []


def test_minutes_wait_for_the_contact_person_until_they_record_them(make_case, contact_person, case_manager):
    case = make_case("implementation")
    assert listed(contact_person, "minutes") == []
    review = Review(kind=ReviewKind.TEAM, held_on=timezone.localdate(), summary="Fortschritt gut.")
    review.decision = ReviewDecision.CONTINUE
    actions.record_review(case, by=case_manager, review=review, progress=[])
    assert listed(contact_person, "minutes") == [case.pk]
    assert listed(case_manager, "minutes") == []  # the author has nothing to record
    actions.add_journal_entry(case, by=contact_person, kind=JournalKind.MINUTES, text="Protokoll in ASGAL erfasst.")
    assert listed(contact_person, "minutes") == []


def test_minutes_to_record_show_the_last_review_of_a_case_once(make_case, contact_person, case_manager):
    case = make_case("implementation")
    today = timezone.localdate()
    reviews = []
    for summary in ("Fortschritt.", "Weiterer Fortschritt."):
        review = Review(kind=ReviewKind.TEAM, held_on=today, summary=summary)
        review.decision = ReviewDecision.CONTINUE
        reviews.append(actions.record_review(case, by=case_manager, review=review, progress=[]))
    items = list(worklists.BY_KEY["minutes"].items(fresh(contact_person), today))
    assert [item.pk for item in items] == [reviews[-1].pk]


def test_the_front_line_worker_follows_what_they_reported_until_it_ends(make_case, frontline, cast):
    case = make_case("reported")
    assert listed(frontline, "my_reports") == [case.pk]
    walk(case, CaseState.NO_CASE_MANAGEMENT, cast)
    assert listed(frontline, "my_reports") == []


def test_nothing_of_another_region_or_another_case_manager(make_case, coordinator, case_manager, contact_person):
    other_cm = make_member("otto-cm", "contact_person", region=region("uw"), institution=institution("ai"))
    coordinator_uw = make_member("ulla-coordinator", "regional_coordinator", region=region("uw"))
    make_case("reported", region_code="uw")
    make_case("cm_designated")
    assert listed(coordinator, "reported") == []
    assert len(listed(coordinator_uw, "reported")) == 1
    assert listed(other_cm, "first_meetings") == []
    assert listed(contact_person, "involved") == []  # the Unterwallis case is not of their region
    assert len(listed(case_manager, "first_meetings")) == 1


def test_a_deputy_case_manager_has_the_deadlines_of_the_case(make_case, coordinator, case_manager):
    deputy = make_member("dora-deputy", "contact_person", region=region("ow"), institution=institution("rav"))
    case = make_case("cm_designated")
    assert listed(deputy, "first_meetings") == []
    actions.grant_access(
        case,
        by=coordinator,
        user=deputy,
        permission=DEPUTY,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        reason="Ferien",
    )
    assert listed(deputy, "first_meetings") == [case.pk]


# --- the page: sections, paging, queries ----------------------------------------------------------


def test_each_list_is_paged_on_its_own_keeping_the_others_page(make_case, coordinator, client):
    for _i in range(23):
        make_case("reported")
    make_case("plan_validation")
    client.force_login(coordinator)
    first = client.get(reverse("cases:my_tasks")).content.decode()
    section = first.split('id="tasks-reported"')[1].split("</section>")[0]
    assert 'task-count">23<' in section and section.count("<tr ") == 20
    assert "?reported=2" in section
    second = client.get(reverse("cases:my_tasks") + "?reported=2&validate=1").content.decode()
    section = second.split('id="tasks-reported"')[1].split("</section>")[0]
    assert section.count("<tr ") == 3
    assert "?reported=1&amp;validate=1" in section  # the link back keeps the other list's page
    validate = second.split('id="tasks-validate"')[1].split("</section>")[0]
    assert validate.count("<tr ") == 1
    # The oldest report first: page 1 starts with the first case reported.
    oldest = Case.objects.filter(state=CaseState.REPORTED).order_by("reported_at", "pk").first()
    assert first.index(oldest.reference) < first.index('id="tasks-validate"')


def grow(make_case, n):
    for _i in range(n):
        make_case("reported")
        make_case("plan_validation")
        make_case("cm_designated")


@pytest.mark.parametrize("n", [1, 4])
def test_my_tasks_runs_a_fixed_number_of_queries(make_case, coordinator, client, n, django_assert_num_queries):
    grow(make_case, n)
    client.force_login(coordinator)
    # user, memberships (the session comes from the cache); the counts of every list (shared
    # with the navigation; the grants are read in it); the page of each list with items
    # (reported, plans to validate)
    with django_assert_num_queries(5):
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert nav_count(html) == 2 * n


@pytest.mark.parametrize("n", [1, 4])
def test_the_case_managers_my_tasks_runs_a_fixed_number_of_queries(make_case, case_manager, client, n, django_assert_num_queries):
    grow(make_case, n)
    client.force_login(case_manager)
    # user, memberships, grants (the case manager's lists read them; the session comes from
    # the cache); the counts; the pages of the lists with items (cases just reported
    # involving the institution, first meetings)
    with django_assert_num_queries(6):
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert nav_count(html) == 2 * n


@pytest.mark.parametrize("n", [1, 3])
def test_the_secretariats_my_tasks_runs_a_fixed_number_of_queries(make_case, secretariat, client, n, django_assert_num_queries):
    for _i in range(n):
        make_case("assessment")
        make_case("plan_validation")
    client.force_login(secretariat)
    # user, memberships (the session comes from the cache); the counts; the pages of the
    # lists with items (assessments, plans to print, power of attorney forms)
    with django_assert_num_queries(6):
        html = client.get(reverse("cases:my_tasks")).content.decode()
    assert nav_count(html) == sum(worklists.counts(fresh(secretariat)).values())


def test_the_navigation_count_costs_one_query_and_equals_the_total(make_case, coordinator, client):
    grow(make_case, 2)
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as home:
        html = client.get(reverse("home")).content.decode()
    assert nav_count(html) == 4 == sum(worklists.counts(fresh(coordinator)).values())
    counting = [q["sql"] for q in home.captured_queries if "COUNT(" in q["sql"]]
    assert len(counting) == 1


def test_other_pages_read_the_navigation_count_from_the_cache(make_case, coordinator, client):
    grow(make_case, 1)
    client.force_login(coordinator)
    client.get(reverse("home"))  # counts and keeps them
    with CaptureQueriesContext(connection) as home:
        html = client.get(reverse("cases:list")).content.decode()
    assert nav_count(html) == 2
    assert not [q["sql"] for q in home.captured_queries if "COUNT(" in q["sql"]]


def test_the_navigation_count_changes_right_after_an_action_gives_the_user_a_task(make_case, coordinator, client):
    case = make_case("reported")
    client.force_login(coordinator)
    assert nav_count(client.get(reverse("home")).content.decode()) == 1
    make_case("reported")  # reported in Oberwallis: one more case for the coordinator
    assert nav_count(client.get(reverse("home")).content.decode()) == 2
    actions.plan_meeting(case, by=coordinator, kind=MeetingKind.ROUND_TABLE)  # taken on: it leaves the list
    assert nav_count(client.get(reverse("cases:my_tasks")).content.decode()) == 1


def test_the_cached_navigation_count_is_each_users_own(make_case, coordinator, client):
    make_case("reported")
    make_case("reported", region_code="uw")
    make_case("reported", region_code="uw")
    other = make_member("dora-coordinator", "regional_coordinator", region=region("uw"))
    client.force_login(coordinator)
    assert nav_count(client.get(reverse("home")).content.decode()) == 1
    client.force_login(other)
    assert nav_count(client.get(reverse("home")).content.decode()) == 2
    client.force_login(coordinator)
    assert nav_count(client.get(reverse("home")).content.decode()) == 1


def test_no_count_is_shown_when_nothing_waits(officer, client):
    client.force_login(officer)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert nav_count(html) is None
    assert "Es wartet nichts auf Sie." in html


def test_my_tasks_is_in_french_for_a_french_user(make_case, coordinator, client):
    coordinator.language = "fr"
    coordinator.save()
    make_case("reported")
    client.force_login(coordinator)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert "Mes tâches" in html and "Cas qui vous ont été signalés" in html


def test_my_tasks_answers_only_get(coordinator, client):
    client.force_login(coordinator)
    assert client.post(reverse("cases:my_tasks")).status_code == 405


def test_every_list_has_a_translated_title_and_a_role():
    keys = [task_list.key for task_list in worklists.LISTS]
    assert len(keys) == len(set(keys))
    for task_list in worklists.LISTS:
        assert str(task_list.title) and task_list.who.name


def test_the_cached_lists_of_my_tasks_show_an_action_at_once(make_case, coordinator, client, django_assert_max_num_queries):
    """The lists' HTML is kept in the figures' cache: read again, the page runs no list
    query; an action that gives the user a task or takes one away shows at once."""
    first = make_case("reported")
    client.force_login(coordinator)
    assert first.reference in client.get(reverse("cases:my_tasks")).content.decode()
    with django_assert_max_num_queries(3):  # the user, their memberships, the grants: no list, no count
        client.get(reverse("cases:my_tasks"))
    second = make_case("reported")
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert first.reference in html and second.reference in html
    actions.plan_meeting(first, by=coordinator, kind=MeetingKind.ROUND_TABLE)
    html = client.get(reverse("cases:my_tasks")).content.decode()
    assert second.reference in html
    assert f'data-case="{first.reference}"' not in html.split('id="tasks-reported"')[1].split("</section>")[0]


def test_the_cached_lists_of_my_tasks_are_each_users_own_and_in_their_language(make_case, coordinator, client):
    make_case("reported")
    mine = make_case("reported", region_code="uw")
    other = make_member("dora-coordinator", "regional_coordinator", region=region("uw"))
    client.force_login(coordinator)
    assert mine.reference not in client.get(reverse("cases:my_tasks")).content.decode()
    client.force_login(other)
    assert mine.reference in client.get(reverse("cases:my_tasks")).content.decode()
    other.language = "fr"
    other.save()
    client.force_login(other)
    for _read in range(2):  # computed, then from the cache
        html = client.get(reverse("cases:my_tasks")).content.decode()
        assert "Cas qui vous ont été signalés" in html and "Cases reported to you" not in html
