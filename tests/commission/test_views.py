"""The pages of the legal commission and the fund: the flow through the forms, what a member
sees (pseudonymised, access-logged), the budget warning, the minutes PDF and the exports, and
a fixed number of queries whatever the number of requests."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.commission import actions
from cases.models import AccessLog, Decision, FundingRequest, RequestState
from tests.commission.conftest import chf
from tests.factories import institution
from tests.helpers import messages_of, text


def _on_agenda(submit, case, officer, sitting, **fields):
    request = submit(case, **fields)
    actions.put_on_agenda(request, by=officer, sitting=sitting)
    return request


def test_the_case_manager_asks_for_funding_through_the_form(client, case_in_progress, case_manager, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers import PDF

    client.force_login(case_manager)
    url = reverse("cases:new_funding_request", args=[case_in_progress.pk])
    assert client.get(url).status_code == 200
    measure = case_in_progress.plans.order_by("-version").first().measures.first()
    data = {
        "kind": "pre_financing",
        "measure": measure.pk,
        "amount": "3200.50",
        "paying_institution": institution("ai").pk,
        "justification": "Beginn vor dem IV-Entscheid.",
        "attachment": SimpleUploadedFile("Offerte.pdf", PDF, content_type="application/pdf"),
    }
    response = client.post(url, data)
    request = FundingRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:funding_request", args=[request.pk])
    assert request.amount == Decimal("3200.50") and request.attachments.count() == 1
    page = client.get(response.url).content.decode()
    assert chf("3200.50") in page and "Offerte.pdf" in page
    case_page = client.get(case_in_progress.get_absolute_url()).content.decode()
    assert "measure-funding" in case_page and chf("3200.50") in case_page


def test_a_form_error_is_shown_next_to_its_field(client, case_in_progress, case_manager):
    client.force_login(case_manager)
    url = reverse("cases:new_funding_request", args=[case_in_progress.pk])
    response = client.post(url, {"kind": "subsidiary", "proposed_measure": "Coaching", "amount": "100", "justification": "x"})
    assert response.status_code == 200
    assert 'id="id_no_catalogue_reason-errors"' in response.content.decode()
    assert not FundingRequest.objects.exists()


def test_the_officer_sends_back_then_schedules_and_a_member_decides(
    client, case_in_progress, submit, officer, legal, case_manager, sitting, budget
):
    request = submit(case_in_progress)
    client.force_login(officer)
    page = reverse("cases:funding_request", args=[request.pk])
    assert "Zurückweisen" in client.get(page).content.decode()
    client.post(reverse("cases:funding_send_back", args=[request.pk]), {"reason": "Offerte fehlt."})
    request.refresh_from_db()
    assert request.state == RequestState.RETURNED

    client.force_login(case_manager)
    form = client.get(reverse("cases:funding_resubmit", args=[request.pk])).content.decode()
    assert "Offerte fehlt." in form
    response = client.post(
        reverse("cases:funding_resubmit", args=[request.pk]),
        {
            "kind": "pre_financing",
            "measure": request.measure_id,
            "amount": "4000",
            "paying_institution": institution("ai").pk,
            "justification": "Mit Offerte.",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED

    client.force_login(officer)
    response = client.post(reverse("cases:funding_agenda", args=[request.pk]), {"sitting": sitting.pk})
    assert response.url == reverse("cases:sitting", args=[sitting.pk])

    client.force_login(legal)
    agenda = client.get(reverse("cases:sitting", args=[sitting.pk])).content.decode()
    assert request.number in agenda
    response = client.post(
        reverse("cases:funding_decide", args=[request.pk]),
        {"outcome": "approved", "amount": "4000", "members_present": [legal.pk]},
    )
    assert response.status_code == 302, messages_of(response)
    assert Decision.objects.get().amount == Decimal("4000")
    client.force_login(case_manager)
    assert chf("4000") in client.get(reverse("cases:case_funding", args=[case_in_progress.pk])).content.decode()


def test_the_decide_form_warns_and_asks_for_a_confirmation_over_the_budget(
    client, case_in_progress, submit, officer, legal, sitting, budget
):
    request = _on_agenda(submit, case_in_progress, officer, sitting, amount=Decimal("30000"))
    client.force_login(legal)
    page = client.get(reverse("cases:funding_request", args=[request.pk])).content.decode()
    assert "überschreitet das verbleibende Budget" in page and "Verbleibend im Fonds" in page and chf("20000") in page
    url = reverse("cases:funding_decide", args=[request.pk])
    response = client.post(url, {"outcome": "approved", "amount": "30000", "members_present": [legal.pk]})
    assert response.status_code == 200
    assert 'id="id_confirm_over_budget-errors"' in response.content.decode()
    assert not Decision.objects.exists()
    response = client.post(
        url, {"outcome": "approved", "amount": "30000", "members_present": [legal.pk], "confirm_over_budget": "on"}
    )
    assert response.status_code == 302 and Decision.objects.get().over_budget


def test_a_recused_member_gets_no_decide_form_and_is_refused(client, case_in_progress, submit, officer, legal_ai, sitting):
    request = _on_agenda(submit, case_in_progress, officer, sitting)
    client.force_login(legal_ai)
    page = client.get(reverse("cases:funding_request", args=[request.pk])).content.decode()
    assert "Sie treten in den Ausstand" in page and 'id="decide"' not in page
    response = client.post(
        reverse("cases:funding_decide", args=[request.pk]), {"outcome": "deferred", "members_present": [legal_ai.pk]}
    )
    assert "Ausstand" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_member_sees_the_request_pseudonymised_and_the_reading_is_logged(client, make_case, submit, officer, legal, sitting):
    from tests.factories import PersonFactory

    person = PersonFactory.build(first_name="Reto", last_name="Imboden", street="Bahnhofstrasse 7", ahv_number="756.9217.0769.85")
    case = make_case("implementation", person=person)
    request = _on_agenda(submit, case, officer, sitting)
    client.force_login(legal)
    page = client.get(reverse("cases:funding_request", args=[request.pk])).content.decode()
    assert case.reference in page and str(person.birth_date.year) in page
    for secret in ("Imboden", "Reto", "Bahnhofstrasse", "756.9217.0769.85", case.reason):
        assert secret not in page
    assert case.get_absolute_url() not in page
    assert AccessLog.objects.filter(case=case, user=legal, detail__contains="pseudonymised").count() == 1
    # a member never opens the case itself
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:case_funding", args=[case.pk])).status_code == 404


def test_a_request_that_states_why_discloses_what_it_names(client, make_case, submit, officer, legal, sitting):
    from tests.factories import PersonFactory

    person = PersonFactory.build(first_name="Reto", last_name="Imboden", street="Bahnhofstrasse 7")
    case = make_case("implementation", person=person)
    request = _on_agenda(
        submit, case, officer, sitting, disclosure=["address"], disclosure_reason="Die Wohnsituation ist entscheidend."
    )
    client.force_login(legal)
    page = client.get(reverse("cases:funding_request", args=[request.pk])).content.decode()
    assert "Bahnhofstrasse 7" in page and "Die Wohnsituation ist entscheidend." in page
    assert "Imboden" not in page


def test_a_member_does_not_see_a_request_before_it_is_on_an_agenda(client, case_in_progress, submit, legal):
    request = submit(case_in_progress)
    client.force_login(legal)
    assert client.get(reverse("cases:funding_request", args=[request.pk])).status_code == 404


def test_the_minutes_in_german_and_in_french(client, case_in_progress, submit, officer, legal, legal_ai, sitting, budget):
    request = _on_agenda(submit, case_in_progress, officer, sitting)
    actions.decide_request(
        request,
        by=legal,
        outcome="approved_with_changes",
        amount=Decimal("4200"),
        conditions="Zwischenbericht nach drei Monaten",
        members_present=[legal, legal_ai],
    )
    client.force_login(legal)
    german = " ".join(text(client.get(reverse("cases:sitting_minutes", args=[sitting.pk, "de"])).content).split())
    french = " ".join(text(client.get(reverse("cases:sitting_minutes", args=[sitting.pk, "fr"])).content).split())
    assert "Protokoll der Rechtskommission" in german and "bewilligt mit Änderungen" in german
    assert "Procès-verbal de la commission juridique" in french and "approuvé avec modifications" in french
    for pdf_text in (german, french):
        assert case_in_progress.reference in pdf_text and "Zwischenbericht" in pdf_text
        assert case_in_progress.person.last_name not in pdf_text
        assert legal_ai.get_full_name() in pdf_text  # recused, named
    assert AccessLog.objects.filter(case=case_in_progress, user=legal, kind="download").count() == 2


def test_the_fund_page_and_its_exports(client, case_in_progress, submit, officer, legal, secretariat, sitting, budget):
    request = _on_agenda(submit, case_in_progress, officer, sitting)
    actions.decide_request(request, by=legal, outcome="approved", amount=Decimal("5000"), members_present=[legal])
    client.force_login(officer)
    year = sitting.held_on.year
    response = client.post(
        reverse("cases:fund_movement"),
        {"request": request.pk, "kind": "payment", "amount": "1500", "on": sitting.held_on.isoformat()},
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:fund") + f"?year={year}").content.decode()
    assert f'data-figure="committed">{chf(5000)}' in page and f'data-figure="paid">{chf(1500)}' in page
    assert f'data-figure="remaining"><strong>{chf(15000)}' in page
    client.post(reverse("cases:fund_budget"), {"year": year, "budget": "30000"})
    assert f'data-figure="remaining"><strong>{chf(25000)}' in client.get(reverse("cases:fund") + f"?year={year}").content.decode()

    client.force_login(secretariat)
    csv = client.get(reverse("cases:fund_export_csv") + f"?year={year}").content.decode("utf-8-sig")
    assert "30000" in csv and "Vorfinanzierung" in csv and case_in_progress.region.name_de in csv
    xlsx = client.get(reverse("cases:fund_export_xlsx") + f"?year={year}")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 4
    assert "budget festlegen" not in client.get(reverse("cases:fund")).content.decode().lower()
    assert client.post(reverse("cases:fund_budget"), {"year": year, "budget": "1"}).status_code == 403


def test_the_navigation_shows_commission_and_fund_by_role(client, officer, legal, secretariat, case_manager):
    for user, commission, fund_link in (
        (officer, True, True),
        (legal, True, False),
        (secretariat, False, True),
        (case_manager, False, False),
    ):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("cases:commission")}"' in html) is commission, user
        assert (f'href="{reverse("cases:fund")}"' in html) is fund_link, user


def test_my_tasks_of_the_officer_and_the_member(client, case_in_progress, submit, officer, legal, sitting):
    waiting = submit(case_in_progress)
    on_agenda = _on_agenda(submit, case_in_progress, officer, sitting)
    client.force_login(officer)
    page = client.get(reverse("cases:my_tasks")).content.decode()
    assert reverse("cases:funding_request", args=[waiting.pk]) in page
    client.force_login(legal)
    page = client.get(reverse("cases:my_tasks")).content.decode()
    section = page.split('id="tasks-funding_to_decide"')[1].split("</section>")[0]
    assert reverse("cases:funding_request", args=[on_agenda.pk]) in section
    assert reverse("cases:funding_request", args=[waiting.pk]) not in section
    assert case_in_progress.get_absolute_url() not in section and case_in_progress.person.last_name not in section


# --- a fixed number of queries ----------------------------------------------------------------


def _requests(n, make_case, submit, officer, legal, sitting):
    for i in range(n):
        case = make_case("implementation")
        request = _on_agenda(submit, case, officer, sitting)
        if i % 2:
            actions.decide_request(request, by=legal, outcome="approved", amount=Decimal("100"), members_present=[legal])
            actions.record_movement(request, by=officer, kind="payment", amount=Decimal("100"), on=sitting.held_on)


@pytest.mark.parametrize("n", [2, 4])
def test_the_pages_run_a_fixed_number_of_queries(
    n, client, make_case, submit, officer, legal, case_manager, sitting, budget, django_assert_num_queries
):
    _requests(n, make_case, submit, officer, legal, sitting)
    assert connection.features.supports_json_field  # asked once per connection, before its first page
    last = FundingRequest.objects.order_by("pk").last()
    # Each count holds the session through the cache (cached_db): no query for it, and the
    # navigation's "My tasks (n)" from the figures' cache, filled by the login's first page
    # or by the page before (cases/cached.py), except where the page is the user's first. The fund
    # page: its budget, the commitments and the movements each grouped by region, theme and
    # kind at once, the names of the regions and themes, and the page of movements (two).
    pages = [
        (officer, reverse("cases:commission"), 6),
        (legal, reverse("cases:commission"), 5),
        (legal, reverse("cases:sitting", args=[sitting.pk]), 8),
        (officer, reverse("cases:fund") + f"?year={sitting.held_on.year}", 10),
        (officer, reverse("cases:funding_request", args=[last.pk]), 8),
        # the request with who may see it and its attachments, its decisions, the plan's goals,
        # the fund's three figures, the access log (two), the members for the decision form
        (legal, reverse("cases:funding_request", args=[last.pk]), 10),
        (case_manager, reverse("cases:case_funding", args=[last.case_id]), 9),
        (legal, reverse("cases:my_tasks"), 3),
        (officer, reverse("cases:my_tasks"), 2),
    ]
    counted = []
    for user, url, _queries in pages:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counted.append((user.username, url, len(queries)))
    assert counted == [(user.username, url, queries) for user, url, queries in pages]


@pytest.mark.parametrize("n", [2, 4])
def test_the_decision_post_runs_a_fixed_number_of_queries(
    n, client, make_case, submit, officer, legal, sitting, budget, django_assert_num_queries
):
    _requests(n, make_case, submit, officer, legal, sitting)
    pending = FundingRequest.objects.filter(state=RequestState.ON_AGENDA).order_by("pk").first()
    assert connection.features.supports_json_field  # asked once per connection, before its first page
    client.force_login(legal)
    client.get(reverse("home"))
    with django_assert_num_queries(28):  # the members present added in one INSERT (no m2m_changed receiver)
        response = client.post(
            reverse("cases:funding_decide", args=[pending.pk]),
            {"outcome": "approved", "amount": "100", "members_present": [legal.pk]},
        )
    assert response.status_code == 302


def test_every_page_answers_in_french(client, case_in_progress, submit, officer, legal, sitting):
    request = _on_agenda(submit, case_in_progress, officer, sitting)
    legal.language = "fr"
    legal.save()
    client.force_login(legal)
    page = client.get(reverse("cases:funding_request", args=[request.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Demande de financement" in page


def _post_counts(client, make_case, submit, officer, case_manager, legal, sitting, n) -> list[int]:
    """The queries of each form POST of the commission's pages, with ``n`` requests around."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _requests(n, make_case, submit, officer, legal, sitting)
    case = make_case("implementation")
    measure = case.plans.order_by("-version").first().measures.first()
    counts = []

    def post(user, url, data):
        client.force_login(user)
        client.get(reverse("home"))  # the session and the user loaded once, as in use
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, data)
        assert response.status_code == 302, (url, messages_of(response))
        counts.append(len(queries))

    data = {
        "kind": "pre_financing",
        "measure": measure.pk,
        "amount": "900",
        "paying_institution": institution("ai").pk,
        "justification": "Begründung",
    }
    post(case_manager, reverse("cases:new_funding_request", args=[case.pk]), data)
    first = FundingRequest.objects.order_by("-pk").first()
    post(case_manager, reverse("cases:new_funding_request", args=[case.pk]), data)
    second = FundingRequest.objects.order_by("-pk").first()
    post(officer, reverse("cases:funding_send_back", args=[first.pk]), {"reason": "Offerte fehlt"})
    post(officer, reverse("cases:funding_agenda", args=[second.pk]), {"sitting": sitting.pk})
    approved = FundingRequest.objects.filter(state=RequestState.APPROVED).order_by("pk").first()
    on = sitting.held_on.isoformat()
    post(officer, reverse("cases:fund_movement"), {"request": approved.pk, "kind": "payment", "amount": "10", "on": on})
    post(officer, reverse("cases:fund_budget"), {"year": sitting.held_on.year, "budget": "50000"})
    return counts


def test_the_form_posts_run_the_same_number_of_queries_at_two_sizes(
    client, make_case, submit, officer, case_manager, legal, sitting, budget
):
    small = _post_counts(client, make_case, submit, officer, case_manager, legal, sitting, 2)
    larger = _post_counts(client, make_case, submit, officer, case_manager, legal, sitting, 4)  # on top of the first
    assert small == larger and all(count < 60 for count in small)


def test_an_empty_my_tasks_of_a_member_links_to_no_case_list(client, legal):
    client.force_login(legal)
    page = client.get(reverse("cases:my_tasks")).content.decode()
    assert "Finanzierungsgesuch auf Ihren Entscheid wartet" in page
    assert f'href="{reverse("cases:list")}"' not in page
