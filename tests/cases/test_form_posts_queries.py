"""The POST of each form runs a fixed number of queries, whatever the size of the case (issue
19, point 5), as the pages' tests check for the GET: the same count at two data sizes, and at
most the number written here. Each POST is a valid one (it saves and redirects), by the user
whose role uses the form."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.documents.rendering import closure_letter_body
from cases.models import PowerOfAttorney
from tests.cases.test_views_steps import grow
from tests.factories import institution
from tests.helpers import intake_data, meeting_data, plan_data, review_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def plan_post(case, fixture):
    """The plan form as the page shows it, sent back with every goal and measure kept (the
    measures updated in place, one goal added)."""
    plan = case.records.current_plan
    goals = [goal.text for goal in plan.goals.order_by("position")] if plan else []
    measures = list(plan.measures.order_by("position", "pk")) if plan else []
    rows = [
        {"id": str(m.pk), "title": m.title, "responsible_institution": str(m.responsible_institution_id), "status": "planned"}
        for m in measures
    ]
    return plan_data(
        goals=[*goals, "Stelle im ersten Arbeitsmarkt"],
        measures=rows,
        initial_goals=len(goals),
        initial_measures=len(measures),
    )


def exit_data(case, fixture):
    return {
        "outcome": "placed",
        "employer": "Lonza AG, Visp",
        "job_title": "Laborhilfe",
        "job_start_on": TODAY.isoformat(),
        "workload_percent": "80",
        "summary": "Acht Monate Begleitung, Arbeitstraining erfolgreich.",
        "power_of_attorney": str(PowerOfAttorney.objects.filter(case=case).latest("signed_on").pk),
    }


# form: (state of the case, the user who posts (fixture), the URL, the data), and the most
# queries its POST may run. What the counts hold: session, user, memberships, the per-case
# grants, the case and the records the form shows, the writes of the action (the rows, their
# history, the journal entry and its chain head, the kept dates), the notifications of the
# people concerned (their rows and the bell count of each), and the redirect's message.
FORMS = {
    "journal": (
        "implementation",
        "contact_person",
        lambda case: reverse("cases:new_journal_entry", args=[case.pk]),
        lambda case, fixture: {"kind": "note", "text": "Telefon mit dem Arzt: Termin am Montag."},
        9,
    ),
    "first_meeting": (
        "cm_designated",
        "case_manager",
        lambda case: reverse("cases:first_meeting", args=[case.pk]),
        lambda case, fixture: {"first_meeting_on": TODAY.isoformat()},
        13,
    ),
    "meeting": (
        "assessment",
        "coordinator",
        lambda case: reverse("cases:meeting", args=[case.pk, case.meetings.latest("pk").pk]),
        lambda case, fixture: meeting_data(cm=fixture("case_manager")),
        33,
    ),
    "plan": (
        "plan_preparation",
        "case_manager",
        lambda case: reverse("cases:edit_plan", args=[case.pk]),
        plan_post,
        39,
    ),
    "review": (
        "implementation",
        "case_manager",
        lambda case: reverse("cases:new_review", args=[case.pk]),
        lambda case, fixture: review_data(
            case,
            poa_check="renewed",  # the old powers of attorney grow() adds have expired
            poa_signed_on=TODAY.isoformat(),
            poa_institutions=[institution("rav").pk, institution("social").pk],
        ),
        47,
    ),
    "power_of_attorney": (
        "implementation",
        "case_manager",
        lambda case: reverse("cases:new_poa", args=[case.pk]),
        lambda case, fixture: {
            "signed_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "institutions": [institution("rav").pk, institution("social").pk],
        },
        19,
    ),
    "interrupt": (
        "implementation",
        "coordinator",
        lambda case: reverse("cases:interrupt", args=[case.pk]),
        lambda case, fixture: {"reason": "moved", "note": "Nach Genf gezogen."},
        18,
    ),
    "exit_report": (
        "exit_report",
        "case_manager",
        lambda case: reverse("cases:exit_report", args=[case.pk]),
        exit_data,
        27,
    ),
    "ask_network": (
        "implementation",
        "case_manager",
        lambda case: reverse("cases:ask_network", args=[case.pk]),
        lambda case, fixture: {"kind": "network", "reason": "Neue gesundheitliche Einschränkung."},
        18,
    ),
    "close": (
        "awaiting_closure",
        "officer",
        lambda case: reverse("cases:close", args=[case.pk]),
        lambda case, fixture: {"letter_text": closure_letter_body(case, case.exit_report), "archive_note": ""},
        19,
    ),
    "validate_plan": (
        "plan_validation",
        "coordinator",
        lambda case: reverse("cases:step", args=[case.pk, "validate_plan"]),
        lambda case, fixture: {"text": "Einverstanden."},
        28,
    ),
}


def post_queries(client, request, make_case, form: str, n: int) -> int:
    state, poster, url, data, _most = FORMS[form]
    case = make_case(state)
    user = request.getfixturevalue(poster)
    grow(case, n, user)
    client.force_login(user)
    target, body = url(case), data(case, request.getfixturevalue)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(target, body)
    assert response.status_code == 302, errors(response)
    return len(queries.captured_queries)


def errors(response) -> list[str]:
    return re.findall(r'(?s)class="(?:invalid-feedback d-block|alert alert-danger)"[^>]*>(.*?)</div>', response.content.decode())


# The forms that write one row per row sent (the plan's measures, the review's progress of each
# measure): each written row costs the same few queries (the row, its history row, the check of
# its institution and of its constraint, for the plan), never more with a larger case.
PER_ROW = {"plan": 6, "review": 3}


@pytest.mark.parametrize("form", FORMS)
def test_each_forms_post_runs_a_fixed_number_of_queries(client, request, make_case, form):
    small = post_queries(client, request, make_case, form, 1)
    client.logout()
    large = post_queries(client, request, make_case, form, 15)
    assert large == small + 14 * PER_ROW.get(form, 0), f"{form}: {small} queries with 1 row, {large} with 15"
    assert small <= FORMS[form][4], f"{form}: {small} queries"


def test_the_intake_post_runs_a_fixed_number_of_queries(client, make_case, frontline):
    """Reporting a case (with the search for the same person among the existing ones)."""
    client.force_login(frontline)
    counts = []
    for number, existing in enumerate((1, 15)):
        for _ in range(existing):
            make_case("reported")
        data = intake_data(
            **{
                "person-ahv_number": ["7569217076985", "7561234567897"][number],
                "person-first_name": ["Lea", "Noah"][number],
                "person-last_name": ["Ambord", "Imstepf"][number],
                "person-birth_date": ["1971-03-02", "1988-11-23"][number],
            }
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("cases:intake"), data)
        assert response.status_code == 302, (response.status_code, errors(response))
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 60, counts


def test_the_settings_post_runs_a_fixed_number_of_queries(client, coordinator, django_assert_num_queries):
    client.force_login(coordinator)
    data = {"language": "fr", "reminder_delivery": "digest", "notification_delivery": "digest", "email_format": "html"}
    # session, user, the update of the user (the message goes in a cookie)
    with django_assert_num_queries(2):  # the session comes through the cache (cached_db)
        assert client.post(reverse("preferences"), data).status_code == 302
