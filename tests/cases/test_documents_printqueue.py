"""The secretariat's print queue (cases/documents/printqueue.py, cases/views/printing.py): derived from
the database state and the marks, merged PDFs of the documents selected, marks journaled,
a fixed number of queries, for the secretariat and the officer only."""

import datetime
import io

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.documents import printqueue, rendering
from cases.models import AccessLog, ActionPlan, JournalEntry, PrintMark
from tests.factories import institution
from tests.helpers import PDF, journal_texts, person, text

pytestmark = pytest.mark.usefixtures("media")


def keys(user, today=None) -> dict[str, list[str]]:
    return {kind: [item.key for item in items] for kind, items in printqueue.print_queue(user, today).items()}


def all_keys(user, today=None) -> list[str]:
    return [key for found in keys(user, today).values() for key in found]


def file_scan(plan, by):
    today = timezone.localdate()
    return actions.file_signed_plan(
        plan,
        by=by,
        upload=SimpleUploadedFile("s.pdf", PDF),
        signature_place="Brig",
        signed_by_person_on=today,
        signed_by_cm_on=today,
    )


@pytest.fixture
def working(make_case):
    """A case in implementation: its validated plan and a power of attorney form wait."""
    return make_case("implementation", person=person("de"))


@pytest.fixture
def closed(make_case):
    return make_case("closed", person=person("fr"))


# --- what is in the queue -------------------------------------------------------------------------


def test_the_queue_holds_plans_to_sign_closure_letters_and_poa_forms(secretariat, working, closed, make_case):
    make_case("reported")  # nothing to print yet
    plan = ActionPlan.objects.get(case=working)
    assert keys(secretariat) == {
        "plan": [f"plan-{plan.pk}"],
        "closure_letter": [f"closure_letter-{closed.pk}"],
        "poa_form": [f"poa_form-{working.pk}"],
    }


def test_a_plan_leaves_the_queue_when_its_signed_scan_is_filed_and_comes_back_if_withdrawn(secretariat, working):
    plan = ActionPlan.objects.get(case=working)
    scan = file_scan(plan, secretariat)
    assert keys(secretariat)["plan"] == []
    actions.withdraw_file(scan, by=secretariat, reason="Falsche Seite")
    assert keys(secretariat)["plan"] == [f"plan-{plan.pk}"]


def test_drafts_and_superseded_versions_are_not_printed_for_signature(secretariat, make_case, cast):
    case = make_case("plan_preparation")
    assert keys(secretariat)["plan"] == []
    case = make_case("implementation")
    actions.change_plan(case, by=cast.case_manager, reason="Neue Massnahme")
    assert keys(secretariat)["plan"] == [f"plan-{ActionPlan.objects.get(case=case, version=1).pk}"]  # v2 is a draft


def test_printing_shows_in_the_queue_until_the_scan_is_filed(secretariat, working):
    [item] = printqueue.print_queue(secretariat)["plan"]
    assert item.waiting_for == "zur Unterschrift drucken" and item.printed_at is None
    actions.mark_documents([item], by=secretariat, mark="printed")
    [item] = printqueue.print_queue(secretariat)["plan"]
    assert item.waiting_for == "unterschriebenen Scan ablegen" and item.printed_at is not None


def test_a_closure_letter_leaves_the_queue_once_sent(secretariat, closed):
    [item] = printqueue.print_queue(secretariat)["closure_letter"]
    actions.mark_documents([item], by=secretariat, mark="printed")
    assert keys(secretariat)["closure_letter"] == [item.key]
    actions.mark_documents([item], by=secretariat, mark="sent")
    assert keys(secretariat)["closure_letter"] == []


def test_the_poa_form_is_due_without_a_power_of_attorney_or_when_it_ends_soon(secretariat, working, cast):
    today = timezone.localdate()
    poa = actions.record_power_of_attorney(working, by=cast.case_manager, signed_on=today, institutions=[institution("rav")])
    assert keys(secretariat)["poa_form"] == []  # valid for a year
    assert keys(secretariat, poa.valid_until - datetime.timedelta(days=printqueue.POA_NOTICE_DAYS))["poa_form"] == []
    [item] = printqueue.print_queue(secretariat, poa.valid_until - datetime.timedelta(days=printqueue.POA_NOTICE_DAYS - 1))[
        "poa_form"
    ]
    assert item.poa_valid_until == poa.valid_until
    assert item.waiting_for == f"läuft am {poa.valid_until:%d.%m.%Y} ab"


def test_a_poa_form_sent_leaves_the_queue_until_the_next_renewal(secretariat, working, cast):
    today = timezone.localdate()
    [item] = printqueue.print_queue(secretariat)["poa_form"]
    assert item.waiting_for == "noch keine Vollmacht"
    actions.mark_documents([item], by=secretariat, mark="sent")
    assert keys(secretariat)["poa_form"] == []
    # the person signed it: valid a year; near its end, the form is due again (the old mark no longer counts)
    actions.record_power_of_attorney(working, by=cast.case_manager, signed_on=today, institutions=[])
    assert keys(secretariat, today + datetime.timedelta(days=350))["poa_form"] == [f"poa_form-{working.pk}"]


def test_closed_and_reported_cases_need_no_poa_form(secretariat, closed, make_case):
    make_case("reported")
    assert keys(secretariat)["poa_form"] == []


# --- the page ------------------------------------------------------------------------------------


def test_the_page_lists_the_documents_with_their_links(client, secretariat, working, closed):
    client.force_login(secretariat)
    html = client.get(reverse("cases:print_queue")).content.decode()
    plan = ActionPlan.objects.get(case=working)
    assert (
        f'value="plan-{plan.pk}"' in html
        and f'value="closure_letter-{closed.pk}"' in html
        and f'value="poa_form-{working.pk}"' in html
    )
    assert reverse("cases:plan_pdf", args=[working.pk, 1]) in html
    assert reverse("cases:signed_plan", args=[working.pk, 1]) + "?next=/cases/print-queue/" in html
    assert reverse("cases:closure_copy", args=[closed.pk]) in html
    assert working.reference in html and closed.reference in html and "Französisch" in html


def merged(client, *item_keys):
    return client.post(reverse("cases:print_queue"), {"do": "pdf", "item": list(item_keys)})


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_documents_selected_come_as_one_pdf_each_download_logged(client, secretariat, working, closed):
    plan = ActionPlan.objects.get(case=working)
    client.force_login(secretariat)
    response = merged(client, f"plan-{plan.pk}", f"closure_letter-{closed.pk}", f"poa_form-{working.pk}", "plan-999999")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="druckliste-{timezone.localdate():%Y-%m-%d}.pdf"'
    expected_pages = (
        page_count(rendering.render_action_plan(plan))
        + page_count(rendering.render_closure_letter(closed.closure))
        + page_count(rendering.render_power_of_attorney_form(working))
    )
    assert page_count(response.content) == expected_pages
    body = text(response.content)
    assert "Zielvereinbarung" in body and "Vollmacht" in body  # the German person's documents
    assert "Clôture de votre accompagnement CII" in body or "Madame," in body  # the French person's letter
    assert body.index("Zielvereinbarung") < body.index("Madame,") < body.index("Vollmacht")  # the queue's order
    details = sorted(AccessLog.objects.filter(user=secretariat, kind="download").values_list("case_id", "detail"))
    assert details == sorted(
        [
            (working.pk, "action plan v1 (PDF, print queue)"),
            (closed.pk, "closure letter (PDF, print queue)"),
            (working.pk, "power of attorney form (PDF, print queue)"),
        ]
    )


def test_marking_documents_printed_or_sent_is_journaled(client, secretariat, working, closed):
    plan = ActionPlan.objects.get(case=working)
    client.force_login(secretariat)
    response = client.post(
        reverse("cases:print_queue"), {"do": "sent", "item": [f"closure_letter-{closed.pk}", f"plan-{plan.pk}"]}
    )
    assert response.status_code == 302
    assert {(m.document, m.case_id, m.plan_id, m.mark, m.marked_by) for m in PrintMark.objects.all()} == {
        ("closure_letter", closed.pk, None, "sent", secretariat),
        ("plan", working.pk, plan.pk, "sent", secretariat),
    }
    assert JournalEntry.objects.filter(case=closed, author=secretariat, event="documents_marked").exists()
    assert journal_texts(closed)[-1] == "Abschlussbrief: versandt"
    assert journal_texts(working)[-1] == "Aktionsplan V1: versandt"
    assert journal_texts(working, "fr")[-1] == "Plan d'action v1 : envoyé"
    html = client.get(reverse("cases:print_queue")).content.decode()
    assert "2 Dokumente als versandt markiert." in html
    assert f"closure_letter-{closed.pk}" not in html


def test_nothing_selected_or_an_unknown_action_changes_nothing(client, secretariat, working):
    client.force_login(secretariat)
    response = client.post(reverse("cases:print_queue"), {"do": "sent"}, follow=True)
    assert "Wählen Sie mindestens ein Dokument." in response.content.decode()
    plan = ActionPlan.objects.get(case=working)
    client.post(reverse("cases:print_queue"), {"do": "deleted", "item": [f"plan-{plan.pk}"]})
    assert not PrintMark.objects.exists() and not AccessLog.objects.filter(kind="download").exists()


def test_too_many_documents_for_one_pdf(client, secretariat, working, monkeypatch):
    monkeypatch.setattr(printqueue, "MAX_SELECTION", 1)
    client.force_login(secretariat)
    plan = ActionPlan.objects.get(case=working)
    response = merged(client, f"plan-{plan.pk}", f"poa_form-{working.pk}")
    assert response.status_code == 302 and not AccessLog.objects.filter(kind="download").exists()


@pytest.mark.parametrize("role", ["coordinator", "case_manager", "contact_person", "frontline", "legal", "steering", "outsider"])
def test_other_roles_get_403(client, role, request, working):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("cases:print_queue")).status_code == 403
    plan = ActionPlan.objects.get(case=working)
    assert client.post(reverse("cases:print_queue"), {"do": "pdf", "item": [f"plan-{plan.pk}"]}).status_code == 403
    assert client.post(reverse("cases:print_queue"), {"do": "sent", "item": [f"plan-{plan.pk}"]}).status_code == 403
    assert not PrintMark.objects.exists() and not AccessLog.objects.filter(kind="download").exists()


def test_the_officer_uses_it_too_and_finds_the_letterhead_there(client, officer, working):
    client.force_login(officer)
    html = client.get(reverse("cases:print_queue")).content.decode()
    assert reverse("cases:letterhead") in html


def test_the_navigation_shows_it_to_the_secretariat_and_the_officer_only(client, secretariat, officer, coordinator):
    for user, shown in ((secretariat, True), (officer, True), (coordinator, False)):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("cases:print_queue")}"' in html) is shown


def grow(make_case, n):
    for i in range(n):
        make_case("implementation", person=person("de" if i % 2 else "fr"))
        make_case("closed")


@pytest.mark.parametrize("n", [1, 5])
def test_the_page_runs_a_fixed_number_of_queries(client, secretariat, make_case, n, django_assert_max_num_queries):
    grow(make_case, n)
    client.force_login(secretariat)
    # session, user, memberships; then the plans, the closures and the cases due a power of
    # attorney, each counted and paged; +1: My tasks (n) in the navigation
    with django_assert_max_num_queries(3 + 2 * 3 + 1):
        html = client.get(reverse("cases:print_queue")).content.decode()
    assert html.count('name="item"') == 3 * n


def test_the_query_count_does_not_depend_on_the_length_of_the_queue(client, secretariat, make_case):
    client.force_login(secretariat)
    grow(make_case, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:print_queue"))
    grow(make_case, 4)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("cases:print_queue"))
    assert len(small) == len(large)


def test_each_kind_of_document_is_paged_on_its_own(client, secretariat, make_case, monkeypatch):
    from cases.views import printing

    monkeypatch.setattr(printing, "QUEUE_PAGE_SIZE", 2)
    cases = [make_case("plan_validation") for _i in range(3)]
    client.force_login(secretariat)
    first = client.get(reverse("cases:print_queue")).content.decode()
    plans = first.split('id="queue-plan"')[1].split("</section>")[0]
    assert plans.count('name="item"') == 2 and ">3</span>" in plans  # the count is of the whole queue
    assert "?plan=2" in plans
    second = client.get(reverse("cases:print_queue") + "?plan=2").content.decode()
    plans = second.split('id="queue-plan"')[1].split("</section>")[0]
    assert plans.count('name="item"') == 1
    assert f'value="plan-{cases[2].records.current_plan.pk}"' in plans  # oldest submitted first


def test_a_selection_finds_its_documents_on_any_page_and_ignores_unknown_keys(secretariat, make_case):
    first, second = make_case("plan_validation"), make_case("plan_validation")
    wanted = [f"plan-{second.records.current_plan.pk}", "plan-999999", "closure_letter-x", "nonsense", f"poa_form-{first.pk}"]
    assert [item.key for item in printqueue.selected(secretariat, wanted)] == [
        f"plan-{second.records.current_plan.pk}",
        f"poa_form-{first.pk}",
    ]
