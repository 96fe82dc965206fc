"""No input answers 500 on the larger forms (issue 18, point 6): the action plan, the record of
a round table or assessment, a review and the intake, each posted over HTTP with valid data
in which hypothesis replaces some fields (formset management fields included) with random
strings, NUL characters, right-to-left overrides, huge numbers and extreme dates, or lists
of them. Every answer is a page (the form with its field errors) or a redirect, never a
server error. Each example runs in a transaction rolled back afterwards, so that all start
from the same case; the runs are derandomized and small (the file runs in well under a
minute)."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.helpers import intake_data, meeting_data, plan_data, review_data
from tests.test_hardening_inputs import HUGE, NASTY, VALUES

pytestmark = pytest.mark.django_db

EXAMPLES = 40


class _Rollback(Exception):
    pass


def post_and_roll_back(client: Client, url: str, data: dict):
    try:
        with transaction.atomic():
            response = client.post(url, data)
            raise _Rollback
    except _Rollback:
        return response


def mutated(base: dict):
    """``base`` with up to four of its fields (or new, numbered formset fields) replaced."""
    keys = sorted(base) + ["goals-0-text", "measures-0-title", "participants-0-user", "progress-0-status"]
    value = st.one_of(st.sampled_from([*NASTY, "", "1000", "-5", HUGE]), VALUES, st.lists(VALUES, min_size=2, max_size=3))
    return st.dictionaries(st.sampled_from(keys), value, min_size=1, max_size=4).map(lambda changes: {**base, **changes})


def any_answer_but_an_error(client: Client, url: str, base: dict, data) -> None:
    changed = data.draw(mutated(base))
    response = post_and_roll_back(client, url, changed)
    # The form again with its errors (the intake answers those with 400), or on to the case.
    assert response.status_code in (200, 302, 400), (response.status_code, {k: v for k, v in changed.items() if base.get(k) != v})
    if response.status_code != 302:
        assert "<form" in response.content.decode()


SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def plan_form(client, make_case, case_manager):
    case = make_case("plan_preparation")
    client.force_login(case_manager)
    measures = [{"title": "Bewerbungscoaching", "responsible_institution": str(case.reporting_institution_id)}]
    return reverse("cases:edit_plan", args=[case.pk]), plan_data(goals=["Arbeit finden"], measures=measures)


@pytest.fixture
def meeting_form(client, make_case, coordinator, case_manager):
    case = make_case("assessment")
    client.force_login(coordinator)
    url = reverse("cases:meeting", args=[case.pk, case.meetings.latest("pk").pk])
    return url, meeting_data(cm=case_manager, participants=[{"name": "Dr. Weber", "organisation": "Spital Visp"}])


@pytest.fixture
def review_form(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    return reverse("cases:new_review", args=[case.pk]), review_data(case, kind="team", poa_check="")


@pytest.fixture
def intake_form(client, frontline):
    client.force_login(frontline)
    return reverse("cases:intake"), intake_data()


@pytest.mark.parametrize("form", ["plan_form", "meeting_form", "review_form", "intake_form"])
def test_the_valid_data_the_examples_start_from_are_accepted(client, request, form):
    url, base = request.getfixturevalue(form)
    assert post_and_roll_back(client, url, base).status_code == 302


@SETTINGS
@given(data=st.data())
def test_any_input_on_the_plan_form_gives_a_page_or_a_field_error(client, plan_form, data):
    any_answer_but_an_error(client, *plan_form, data)


@SETTINGS
@given(data=st.data())
def test_any_input_on_the_meeting_form_gives_a_page_or_a_field_error(client, meeting_form, data):
    any_answer_but_an_error(client, *meeting_form, data)


@SETTINGS
@given(data=st.data())
def test_any_input_on_the_review_form_gives_a_page_or_a_field_error(client, review_form, data):
    any_answer_but_an_error(client, *review_form, data)


@SETTINGS
@given(data=st.data())
def test_any_input_on_the_intake_form_gives_a_page_or_a_field_error(client, intake_form, data):
    any_answer_but_an_error(client, *intake_form, data)
