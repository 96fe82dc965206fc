"""The views of cases/views/detail.py: the case page (cases:detail), one plan version
(cases:plan_version) and the differences between versions (cases:plan_diff): scope, the
steps and record pages each role gets, the reasons a step is refused, deadlines, every
record of the case, the timeline, and a fixed number of queries whatever the size of the
case."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases import actions, cached
from cases.models import (
    ActionPlan,
    Case,
    Goal,
    JournalKind,
    Measure,
    MeetingParticipant,
    PlanStatus,
    Review,
    ReviewDecision,
    ReviewKind,
)
from cases.models.reviews import one_year_after
from tests.conftest import make_member
from tests.factories import institution, region

pytestmark = pytest.mark.django_db


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def step_form(html: str, case, name: str) -> str:
    """The form posting step ``name`` (empty string when there is none)."""
    action = reverse("cases:step", args=[case.pk, name])
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    return match.group(0) if match else ""


def block(html: str, data_step: str) -> str:
    """The block of step ``data_step`` in "What you can do now"."""
    match = re.search(rf'<div class="step-action[^"]*" data-step="{data_step}">.*?</ul>\s*</div>', html, re.S)
    return match.group(0) if match else ""


# --- access -------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login(client, make_case):
    case = make_case("reported")
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302 and reverse("login") in response.headers["Location"]


def test_outsiders_and_other_regions_get_404(client, make_case, outsider):
    case = make_case("implementation")
    other = make_member("uwe-coordinator", "regional_coordinator", region=region("uw"))
    for user in (outsider, other):
        client.force_login(user)
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
        assert client.get(reverse("cases:plan_version", args=[case.pk, 1])).status_code == 404
        assert client.get(reverse("cases:plan_diff", args=[case.pk])).status_code == 404


def test_the_detail_pages_only_answer_get(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    assert client.post(reverse("cases:detail", args=[case.pk])).status_code == 405
    assert client.post(reverse("cases:plan_version", args=[case.pk, 1])).status_code == 405
    assert client.post(reverse("cases:plan_diff", args=[case.pk])).status_code == 405


def test_an_unknown_case_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("cases:detail", args=[987654])).status_code == 404


# --- person and facts -----------------------------------------------------------------------


def test_the_page_shows_the_person_and_the_case_facts(client, make_case, coordinator, frontline, case_manager):
    from tests.factories import PersonFactory

    person = PersonFactory.build(
        first_name="Marianne",
        last_name="Imhof",
        ahv_number="756.9217.0769.85",
        sex="f",
        language="fr",
        phone="027 921 45 67",
        email="m.imhof@example.ch",
        street="Furkastrasse 12",
        postcode="3900",
        city="Brig",
        birth_date=datetime.date(1979, 3, 14),
    )
    case = make_case("implementation", person=person)
    html = page(client, coordinator, case)
    for text in (
        "Marianne Imhof",
        "14.03.1979",
        "756.9217.0769.85",
        "weiblich",
        "Französisch",
        "Furkastrasse 12",
        "3900 Brig",
        'href="tel:0279214567"',
        "mailto:m.imhof@example.ch",
    ):
        assert text in html, text
    for text in (
        case.reference,
        str(frontline),
        str(institution("rav")),
        str(institution("social")),
        "Oberwallis",
        str(coordinator),
        str(case_manager),
        "Langzeitarbeitslos, gesundheitliche Einschränkungen, Sozialhilfe.",
    ):
        assert text in html, text
    assert "Weniger als zwei Institutionen" not in html


def test_a_case_with_fewer_than_two_institutions_is_flagged(client, make_case, coordinator):
    case = make_case("reported")
    case.institutions.set([institution("rav")])
    html = page(client, coordinator, case)
    assert "Weniger als zwei Institutionen sind beteiligt" in html


def test_the_current_step_shows_the_state_the_cii101_step_and_the_process_link(client, make_case, coordinator):
    case = make_case("plan_validation")
    html = page(client, coordinator, case)
    assert 'class="badge state-badge state-plan_validation"' in html
    assert "Schritt 5 des Prozesses CII101" in html
    assert f'href="{reverse("cases:case_process", args=[case.pk])}"' in html


# --- steps the user may take --------------------------------------------------------------


def test_the_coordinator_gets_one_post_form_per_step_of_a_new_case(client, make_case, coordinator):
    case = make_case("reported")
    html = page(client, coordinator, case)
    for name, label in (("plan_round_table", "Runden Tisch organisieren"), ("plan_assessment", "Assessment beantragen")):
        form = step_form(html, case, name)
        assert form, name
        assert 'name="csrfmiddlewaretoken"' in form
        assert label in form
        assert "<textarea" not in form
    assert f'href="{reverse("cases:interrupt", args=[case.pk])}"' in html


def test_a_step_with_its_own_page_is_a_link(client, make_case, case_manager):
    case = make_case("cm_designated")
    html = page(client, case_manager, case)
    assert f'href="{reverse("cases:first_meeting", args=[case.pk])}"' in html
    assert not step_form(html, case, "start_plan")


def test_validating_takes_an_optional_comment_and_sending_back_has_its_own_page(client, make_case, coordinator):
    case = make_case("plan_validation")
    html = page(client, coordinator, case)
    validate = step_form(html, case, "validate_plan")
    assert re.search(r'<textarea[^>]*name="text"[^>]*>', validate)
    assert "required" not in re.search(r"<textarea[^>]*>", validate).group(0)
    assert not step_form(html, case, "send_back_plan")
    link = re.search(rf'<a [^>]*href="{reverse("cases:send_back", args=[case.pk])}"[^>]*>([^<]*)</a>', html)
    assert link and link.group(1) == "Plan zurückweisen"
    assert html.index(validate) < link.start()  # validating first


def test_a_blocked_step_is_shown_disabled_with_its_reasons(client, make_case, case_manager):
    case = make_case("implementation")
    html = page(client, case_manager, case)
    finish = block(html, "finish_plan")
    assert re.search(r"<button[^>]*disabled[^>]*>\s*Aktionsplan beenden", finish)
    assert "Jede Massnahme des Plans muss abgeschlossen oder abgebrochen sein" in finish
    assert not step_form(html, case, "finish_plan")
    change = step_form(html, case, "change_plan")
    assert re.search(r'<textarea[^>]*name="text"[^>]*required', change)


def test_the_plan_author_sees_no_validate_button(client, make_case, coordinator):
    case = make_case("plan_validation")
    ActionPlan.objects.filter(case=case).update(author=coordinator)
    html = page(client, coordinator, case)
    assert not step_form(html, case, "validate_plan")
    assert f'href="{reverse("cases:send_back", args=[case.pk])}"' in html


def test_a_missing_signature_blocks_the_submission_with_the_reason(client, make_case, case_manager):
    case = make_case("plan_preparation")
    html = page(client, case_manager, case)
    submit = block(html, "submit_plan")
    assert "disabled" in submit
    assert "Der Aktionsplan braucht mindestens ein Ziel und eine Massnahme." in submit


def test_a_contact_person_of_the_case_may_only_add_to_the_journal(client, make_case, contact_person):
    case = make_case("plan_validation")
    html = page(client, contact_person, case)
    assert "Für Sie gibt es bei diesem Fall im Moment nichts zu tun." not in html  # may still write in the journal
    assert f'href="{reverse("cases:new_journal_entry", args=[case.pk])}"' in html
    assert not step_form(html, case, "validate_plan")
    assert reverse("cases:interrupt", args=[case.pk]) not in html


def test_the_frontline_worker_can_only_read(client, make_case, frontline):
    case = make_case("implementation")
    html = page(client, frontline, case)
    assert "Für Sie gibt es bei diesem Fall im Moment nichts zu tun." in html
    assert "<textarea" not in html


def test_a_closed_case_offers_nothing(client, make_case, officer):
    case = make_case("closed")
    html = page(client, officer, case)
    assert "Dieser Fall ist abgeschlossen: er kann nicht mehr geändert werden." in html
    assert reverse("cases:new_journal_entry", args=[case.pk]) not in html
    assert 'action="/cases/' not in html


# --- links to the record pages --------------------------------------------------------------


def links_of(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_record_links_in_a_round_table(client, make_case, coordinator, secretariat, frontline):
    case = make_case("round_table")
    meeting = case.meetings.get()
    url = reverse("cases:meeting", args=[case.pk, meeting.pk])
    assert url in links_of(page(client, coordinator, case))
    assert url in links_of(page(client, secretariat, case))
    assert url not in links_of(page(client, frontline, case))


def test_record_links_while_the_plan_is_prepared(client, make_case, coordinator, case_manager):
    case = make_case("plan_preparation")
    edit = reverse("cases:edit_plan", args=[case.pk])
    assert edit in links_of(page(client, case_manager, case))
    assert edit not in links_of(page(client, coordinator, case))


def test_record_links_during_implementation(client, make_case, coordinator, case_manager, contact_person):
    case = make_case("implementation")
    review, poa, journal = (
        reverse(name, args=[case.pk]) for name in ("cases:new_review", "cases:new_poa", "cases:new_journal_entry")
    )
    for user in (coordinator, case_manager):
        links = links_of(page(client, user, case))
        assert {review, poa, journal} <= links
        assert reverse("cases:edit_plan", args=[case.pk]) not in links
        assert reverse("cases:exit_report", args=[case.pk]) not in links
    links = links_of(page(client, contact_person, case))
    assert review not in links and poa not in links and journal in links


def test_no_review_link_before_implementation(client, make_case, case_manager):
    case = make_case("plan_validation")
    assert reverse("cases:new_review", args=[case.pk]) not in links_of(page(client, case_manager, case))


def test_the_exit_report_link_for_the_case_manager_only(client, make_case, coordinator, case_manager):
    case = make_case("exit_report")
    url = reverse("cases:exit_report", args=[case.pk])
    assert url in links_of(page(client, case_manager, case))
    assert url not in links_of(page(client, coordinator, case))
    assert reverse("cases:new_poa", args=[case.pk]) not in links_of(page(client, case_manager, case))


# --- deadlines ----------------------------------------------------------------------------


def test_an_overdue_first_meeting_is_highlighted(client, make_case, case_manager):
    case = make_case("cm_designated")
    Case.objects.filter(pk=case.pk).update(cm_designated_at=timezone.now() - datetime.timedelta(days=20))
    html = page(client, case_manager, case)
    item = re.search(r'<li class="deadline([^"]*)" data-rule="first_meeting">.*?</li>', html, re.S)
    assert item and "is-overdue" in item.group(1)
    assert "Erstes Treffen des Case Managers mit der Person" in item.group(0)
    assert "seit 6 Tagen überfällig" in item.group(0)


def test_deadlines_not_yet_due_are_not_highlighted(client, make_case, coordinator):
    case = make_case("plan_validation")
    html = page(client, coordinator, case)
    item = re.search(r'<li class="deadline([^"]*)" data-rule="plan_validation">.*?</li>', html, re.S)
    assert item and "is-overdue" not in item.group(1)
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert due.strftime("%d.%m.%Y") in item.group(0)
    assert "in 10 Tagen" in item.group(0)


# --- records of the case ------------------------------------------------------------------


def test_the_meeting_is_shown_with_its_result_and_participants(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    meeting = case.meetings.get()
    MeetingParticipant.objects.create(
        meeting=meeting, name="Dr. Anna Zenhäusern", organisation="Spital Visp", function="Hausärztin"
    )
    html = page(client, coordinator, case)
    for text in (
        "Assessment (CII104)",
        "Arbeitsfähigkeit 50 % in angepasster Tätigkeit",
        "Arbeitstraining, Bewerbungscoaching",
        "50 %",
        "Dr. Anna Zenhäusern",
        "Hausärztin, Spital Visp",
        str(case_manager),
    ):
        assert text in html, text


def test_the_current_plan_is_shown_with_goals_measures_signatures_and_decision(client, make_case, coordinator):
    case = make_case("implementation")
    html = page(client, coordinator, case)
    for text in (
        "Version 1",
        "validiert",
        "Stabile Anstellung im ersten Arbeitsmarkt",
        "Gesundheit stabilisieren",
        "Bewerbungscoaching",
        "Arbeitstraining",
        "Sion",
        "Einverstanden.",
        str(coordinator),
    ):
        assert text in html, text
    measures = re.search(r'<table class="table table-sm align-top measure-table">.*?</table>', html, re.S).group(0)
    assert measures.count("<tr>") == 3  # header and two measures
    assert "geplant" in measures and "RAV" in measures


def test_earlier_versions_are_listed_with_links_to_each_and_to_the_changes(client, make_case, case_manager, cast):
    from cases.demo.walk import walk

    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Neue Lage.")
    walk(case, "implementation", cast)
    html = page(client, case_manager, case)
    assert "Version 2" in html
    assert reverse("cases:plan_version", args=[case.pk, 1]) in html
    assert f"{reverse('cases:plan_diff', args=[case.pk])}?from=1&amp;to=2" in html
    assert "durch eine neuere Version ersetzt" in html


# --- a version sent back and its rework (CII101 step 5 back to 4) -------------------------------

REASONS = "Die IV-Stelle ist nicht einbezogen."
OPTIONS = "Zuerst eine berufliche Abklärung der IV vorsehen."


def reworked(make_case, coordinator, case_manager, cast, *, extra=0, change=True):
    """v1 sent back; v2 with a reworded goal, a new measure and ``extra`` more goals and
    measures, signed and submitted again."""
    from cases.demo.walk import walk

    case = make_case("plan_validation")
    plan = actions.send_back_plan(case, by=coordinator, reasons=REASONS, options=OPTIONS)
    if change:
        first = plan.measures_list[0]
        actions.save_plan(
            plan,
            by=case_manager,
            goals=[
                "Stabile Anstellung im ersten Arbeitsmarkt (60 %)",
                "Gesundheit stabilisieren",
                *(f"Zwischenziel {i}" for i in range(extra)),
            ],
            measures=[
                {
                    "id": first.pk,
                    "title": first.title,
                    "responsible_institution": first.responsible_institution,
                    "starts_on": first.starts_on,
                    "due_on": first.due_on,
                },
                {"title": "Berufliche Abklärung IV", "responsible_institution": institution("ai")},
                *({"title": f"Kurs {i}", "responsible_institution": institution("rav")} for i in range(extra)),
            ],
        )
    walk(case, "plan_validation", cast)
    return case


def rework_card(html: str) -> str:
    match = re.search(r'<article id="plan-rework".*?</article>', html, re.S)
    return match.group(0) if match else ""


def test_at_validation_the_coordinator_sees_why_the_version_before_was_sent_back_and_what_changed(
    client, make_case, coordinator, case_manager, cast
):
    case = reworked(make_case, coordinator, case_manager, cast)
    html = page(client, coordinator, case)
    card = rework_card(html)
    assert "Version 1 wurde zurückgewiesen: Version 2 überarbeitet sie" in card
    assert REASONS in card and OPTIONS in card
    assert f"Zurückgewiesen von {coordinator} am " in card and f"eingereicht von {case_manager} am " in card
    assert "<del>Stabile Anstellung im ersten Arbeitsmarkt</del>" in card
    assert "<ins>Stabile Anstellung im ersten Arbeitsmarkt (60 %)</ins>" in card
    assert re.search(
        r'hinzugefügt</span>\s*<span class="text-body-secondary">Massnahme:</span>\s*'
        r'<span class="fw-semibold">Berufliche Abklärung IV',
        card,
    )
    assert "Gesundheit stabilisieren" not in card  # unchanged: only the changes are listed
    assert f"{reverse('cases:plan_diff', args=[case.pk])}?from=1&amp;to=2" in card
    # The step card points to it, next to the buttons to decide.
    assert 'href="#plan-rework"' in html and "Version 1 wurde am " in html
    assert step_form(html, case, "validate_plan")


def test_a_version_resubmitted_unchanged_says_so(client, make_case, coordinator, case_manager, cast):
    case = reworked(make_case, coordinator, case_manager, cast, change=False)
    card = rework_card(page(client, coordinator, case))
    assert "Die Ziele und die Massnahmen sind dieselben wie in der zurückgewiesenen Version." in card
    assert "<del>" not in card


def test_the_case_manager_sees_the_reasons_while_reworking_the_plan(client, make_case, coordinator, case_manager):
    case = make_case("plan_validation")
    actions.send_back_plan(case, by=coordinator, reasons=REASONS, options=OPTIONS)
    html = page(client, case_manager, case)
    card = rework_card(html)
    assert REASONS in card and OPTIONS in card
    assert "Die Ziele und die Massnahmen sind dieselben wie in der zurückgewiesenen Version." in card
    assert reverse("cases:edit_plan", args=[case.pk]) in html


def test_once_validated_the_rework_is_told_by_the_versions_alone(client, make_case, coordinator, case_manager, cast):
    from cases.demo.walk import walk

    case = reworked(make_case, coordinator, case_manager, cast)
    walk(case, "implementation", cast)
    html = page(client, coordinator, case)
    assert not rework_card(html) and 'href="#plan-rework"' not in html
    assert "zurückgewiesen" in html  # the status of v1 in the list of versions
    assert f"{reverse('cases:plan_diff', args=[case.pk])}?from=1&amp;to=2" in html


def decision(html: str) -> dict[str, str]:
    """The decision block of the plan card: label -> text."""
    block = re.search(r'<dl class="fact-list plan-decision">(.*?)</dl>', html, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.S)
    return {label.strip(): re.sub(r"<[^>]+>", "", text).strip() for label, text in pairs}


def test_the_decision_block_names_who_submitted_who_sent_back_and_who_validated(
    client, make_case, coordinator, case_manager, cast
):
    from cases.demo.walk import walk

    case = reworked(make_case, coordinator, case_manager, cast)
    today = timezone.localdate().strftime("%d.%m.%Y")
    html = page(client, coordinator, case)
    assert decision(html) == {
        "Eingereicht von": f"{case_manager}, {today}",
        "Entscheid des Koordinators": "noch nicht entschieden",
    }
    walk(case, "implementation", cast)
    assert decision(page(client, coordinator, case)) == {
        "Eingereicht von": f"{case_manager}, {today}",
        "Validiert von": f"{coordinator}, {today}",
    }
    client.force_login(coordinator)
    version = client.get(reverse("cases:plan_version", args=[case.pk, 1])).content.decode()
    assert decision(version) == {
        "Eingereicht von": f"{case_manager}, {today}",
        "Zurückgewiesen von": f"{coordinator}, {today}",
    }
    assert REASONS in version and OPTIONS in version
    # Frozen: a PDF to read, no scan to file.
    assert reverse("cases:signed_plan", args=[case.pk, 1]) not in version
    assert re.search(r'class="plan-pdf-link"[^>]*>PDF</a>', version)


def test_the_diff_from_a_version_sent_back_shows_its_reasons(client, make_case, coordinator, case_manager, cast):
    case = reworked(make_case, coordinator, case_manager, cast)
    client.force_login(coordinator)
    html = client.get(reverse("cases:plan_diff", args=[case.pk]), {"from": 1, "to": 2}).content.decode()
    assert REASONS in html and OPTIONS in html
    assert "Gründe für die Zurückweisung" in html


@pytest.mark.parametrize("extra", [0, 12])
def test_the_case_page_at_validation_after_a_send_back_runs_a_fixed_number_of_queries(
    client, make_case, coordinator, case_manager, cast, extra, django_assert_num_queries
):
    case = reworked(make_case, coordinator, case_manager, cast, extra=extra)
    client.force_login(coordinator)
    # The same queries as for any case page: the version sent back is loaded with the current one.
    with django_assert_num_queries(SENT_BACK_QUERIES):
        html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert rework_card(html) and (not extra or f"Kurs {extra - 1}" in rework_card(html))


def test_a_version_sent_back_adds_no_query_to_the_case_page(client, make_case, coordinator, case_manager, cast):
    plain = make_case("plan_validation")
    case = reworked(make_case, coordinator, case_manager, cast)
    client.force_login(coordinator)
    counts = [count_queries(client, reverse("cases:detail", args=[c.pk])) for c in (plain, case)]
    assert counts == [SENT_BACK_QUERIES, SENT_BACK_QUERIES]


def test_reviews_and_powers_of_attorney_are_listed_expired_ones_marked(client, make_case, case_manager):
    case = make_case("implementation")
    actions.record_power_of_attorney(
        case, by=case_manager, signed_on=timezone.localdate() - datetime.timedelta(days=400), institutions=[institution("rav")]
    )
    actions.record_review(
        case,
        by=case_manager,
        review=Review(
            kind=ReviewKind.WITH_PERSON,
            held_on=timezone.localdate(),
            summary="Bewerbungen laufen gut.",
            poa_check="renewed",
            decision=ReviewDecision.CONTINUE,
            network_informed=True,
        ),
        poa_signed_on=timezone.localdate(),
        poa_institutions=[institution("rav")],
    )
    html = page(client, case_manager, case)
    assert "Bewerbungen laufen gut." in html
    assert "Netzwerk informiert" in html
    until = one_year_after(timezone.localdate()).strftime("%d.%m.%Y")  # the one renewed, in the review's row
    assert "erneuert: eine neue Vollmacht wurde unterzeichnet<div" in html and f"gültig bis {until}</div>" in html
    poas = re.search(r'<ul class="list-group list-group-flush poa-list">.*?</ul>', html, re.S).group(0)
    assert poas.count("<li") == 2
    assert poas.count("is-expired") == 1
    assert "abgelaufen" in poas and "gültig" in poas


def test_the_exit_report_and_the_closure_are_shown(client, make_case, officer):
    case = make_case("closed")
    html = page(client, officer, case)
    for text in (
        "Lonza AG, Visp",
        "Produktionsmitarbeiter",
        "80 %",
        "Die Person wurde während acht Monaten begleitet.",
        str(officer),
    ):
        assert text in html, text
    assert 'id="exit"' in html


def test_no_exit_section_before_the_exit_report(client, make_case, coordinator):
    assert 'id="exit"' not in page(client, coordinator, make_case("implementation"))


# --- timeline -----------------------------------------------------------------------------


def test_the_timeline_lists_every_journal_entry_newest_first_with_step_labels(client, make_case, coordinator, case_manager):
    case = make_case("implementation")
    actions.add_journal_entry(case, by=case_manager, kind=JournalKind.NOTE, text="Telefonat mit der Hausärztin.")
    html = page(client, coordinator, case)
    timeline = re.search(r'<ol class="timeline list-unstyled mb-0">.*?</ol>', html, re.S).group(0)
    assert timeline.count('<li class="timeline-item') == case.journal.count()
    note = timeline.index("Telefonat mit der Hausärztin.")
    validated = timeline.index("Plan validieren")
    reported = timeline.index("Fall gemeldet")
    assert note < validated < reported
    assert 'Aktionsplan zur Validierung eingereicht <span aria-hidden="true">→</span>' in timeline
    assert "Einverstanden." in timeline and str(case_manager) in timeline


def test_the_timeline_speaks_french(client, make_case, coordinator):
    coordinator.language = "fr"
    coordinator.save()
    case = make_case("plan_validation")
    html = page(client, coordinator, case)
    assert "Soumettre le plan pour validation" in html
    assert "Plan d'action soumis pour validation" in html or "Plan d&#x27;action soumis pour validation" in html
    assert "Étape actuelle" in html


def timeline_of(html: str) -> str:
    return re.search(r'<ol class="timeline list-unstyled mb-0">.*?</ol>', html, re.S).group(0)


def test_what_the_application_wrote_reads_in_the_language_of_the_reader_not_of_the_writer(
    client, make_case, coordinator, case_manager
):
    """Issue 14: a French page showed "Aktionsplan V1 gespeichert", a German one "Plan
    d'action v1 enregistré"."""
    case = make_case("plan_preparation")
    plan = case.records.current_plan
    goals = [g.text for g in plan.goals_list]
    with translation.override("de"):
        actions.save_plan(plan, by=case_manager, goals=goals, measures=[])
    with translation.override("fr"):
        actions.record_power_of_attorney(
            case, by=case_manager, signed_on=datetime.date(2026, 2, 3), institutions=[institution("rav")]
        )
    german = timeline_of(page(client, coordinator, case))
    assert "Aktionsplan V1 gespeichert" in german and "Plan d&#x27;action v1 enregistré" not in german
    assert "Vollmacht unterzeichnet am 03.02.2026, gültig bis 02.02.2027" in german and "Procuration" not in german
    coordinator.language = "fr"
    coordinator.save()
    french = timeline_of(page(client, coordinator, case))
    assert "Plan d&#x27;action v1 enregistré" in french and "Aktionsplan V1 gespeichert" not in french
    assert "Procuration signée le 03.02.2026, valable jusqu&#x27;au 02.02.2027" in french and "Vollmacht" not in french


def test_the_changes_of_a_reworked_plan_name_catalogue_measures_in_the_readers_language(
    client, make_case, coordinator, case_manager, cast
):
    from cases.demo.walk import walk
    from tests.helpers import catalogue_measures

    case = make_case("plan_validation")
    plan = actions.send_back_plan(case, by=coordinator, reasons=REASONS, options=OPTIONS)
    kept = [
        {"id": m.pk, "title": m.title, "responsible_institution": m.responsible_institution, "due_on": m.due_on}
        for m in plan.measures_list
    ]
    trial = catalogue_measures()[0]  # "Arbeitsversuch", its title copied in German
    actions.save_plan(plan, by=case_manager, goals=[g.text for g in plan.goals_list], measures=[*kept, trial])
    walk(case, "plan_validation", cast)
    assert "Arbeitsversuch" in rework_card(page(client, coordinator, case))
    coordinator.language = "fr"
    coordinator.save()
    card = rework_card(page(client, coordinator, case))
    assert "Placement à l&#x27;essai" in card and "Arbeitsversuch" not in card


def test_the_plan_card_names_catalogue_measures_in_the_readers_language_with_their_employer(client, make_case, cast, coordinator):
    from tests.helpers import catalogue_measures

    case = make_case("plan_preparation")
    actions.save_plan(case.records.current_plan, by=cast.case_manager, goals=["Ziel"], measures=catalogue_measures())
    html = page(client, coordinator, case)
    assert "Arbeitsversuch" in html and "Placement à l" not in html
    assert "Arbeitgeber: Lonza AG (Visp)" in html and "Rahel Imhof" in html
    assert "aus dem Katalog: Bewerbungscoaching" in html  # beside the title the case manager wrote
    coordinator.language = "fr"
    coordinator.save()
    html = page(client, coordinator, case)
    assert "Placement à l&#x27;essai" in html and "Arbeitsversuch" not in html
    assert "Employeur : Lonza AG (Visp)" in html
    assert "Bewerbungen für den Detailhandel" in html and "du catalogue : Coaching en recherche d&#x27;emploi" in html
    assert "Sprachkurs B1" in html


# --- queries ------------------------------------------------------------------------------


def grow(case, n, *, coordinator, case_manager):
    """n journal notes, reviews, powers of attorney, earlier plan versions, goals, measures and
    meeting participants."""
    today = timezone.localdate()
    for i in range(n):
        actions.add_journal_entry(case, by=case_manager, kind=JournalKind.NOTE, text=f"Notiz {i}")
        Review.objects.create(case=case, kind=ReviewKind.TEAM, held_on=today, summary=f"Review {i}", author=coordinator)
        actions.record_power_of_attorney(
            case,
            by=case_manager,
            signed_on=today - datetime.timedelta(days=30 * i),
            institutions=[institution("rav"), institution("social")],
        )
        MeetingParticipant.objects.create(meeting=case.meetings.get(), name=f"Gast {i}")
    current = case.plans.get()
    ActionPlan.objects.filter(pk=current.pk).update(version=n + 1)
    for v in range(1, n + 1):
        old = ActionPlan.objects.create(
            case=case,
            version=v,
            author=case_manager,
            status=PlanStatus.SUPERSEDED,
            validator=coordinator,
            decided_at=timezone.now(),
        )
        Goal.objects.create(plan=old, text=f"Ziel {v}")
        Measure.objects.create(plan=old, title=f"Massnahme {v}", responsible_institution=institution("rav"))
    for i in range(n):
        Goal.objects.create(plan=current, position=10 + i, text=f"Weiteres Ziel {i}")
        Measure.objects.create(
            plan=current, position=10 + i, title=f"Weitere Massnahme {i}", responsible_institution=institution("ai")
        )


def count_queries(client, url) -> int:
    """The page's queries with the figures' cache as after a change of the data (the
    navigation's "My tasks (n)" counted): every page counted alike."""
    cached._bump()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# The case page of a case at validation, as its coordinator: user, memberships, the
# user's grants, the case (with its short lists inlined: institutions, meetings and their
# participants and scheduled meetings, reviews, powers of attorney and their institutions,
# goals, funding requests, disputes, grants), its plan versions and journal, the measures
# (of the current version and of the version sent back, together), the access log (its
# chain head and the row), and My tasks (n) in the navigation. The session comes from the
# cache (cached_db). On PostgreSQL the access log's transaction adds its BEGIN and COMMIT.
SENT_BACK_QUERIES = 10

# The same for any case page, whatever the size of the case.
MAX_QUERIES = 10


@pytest.mark.parametrize("n", [1, 15])
def test_the_case_page_runs_a_fixed_number_of_queries(
    client, make_case, coordinator, case_manager, n, django_assert_max_num_queries
):
    case = make_case("implementation")
    grow(case, n, coordinator=coordinator, case_manager=case_manager)
    client.force_login(case_manager)
    with django_assert_max_num_queries(MAX_QUERIES):
        html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert html.count('<li class="timeline-item') == case.journal.count()
    assert f"Weitere Massnahme {n - 1}" in html and f"Gast {n - 1}" in html


def test_the_query_count_does_not_depend_on_the_size_of_the_case(client, make_case, coordinator, case_manager):
    small = make_case("implementation")
    grow(small, 1, coordinator=coordinator, case_manager=case_manager)
    from tests.factories import PersonFactory

    large = make_case("implementation", person=PersonFactory.build(last_name="Gross"))
    grow(large, 12, coordinator=coordinator, case_manager=case_manager)
    client.force_login(coordinator)
    counts = [count_queries(client, reverse("cases:detail", args=[case.pk])) for case in (small, large)]
    assert counts[0] == counts[1]


# --- one plan version -----------------------------------------------------------------------


def two_versions(make_case, case_manager, cast):
    """v1 validated and superseded; v2 with a reworded goal, a changed and a new measure."""
    from cases.demo.walk import walk

    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Neue Lage.")
    plan = case.records.current_plan
    first = plan.measures_list[0]
    actions.save_plan(
        plan,
        by=case_manager,
        goals=["Stabile Anstellung im ersten Arbeitsmarkt (60 %)", "Gesundheit stabilisieren"],
        measures=[
            {
                "id": first.pk,
                "title": first.title,
                "responsible_institution": first.responsible_institution,
                "starts_on": first.starts_on,
                "due_on": datetime.date(2031, 12, 31),
            },
            {"title": "Berufliche Abklärung IV", "responsible_institution": institution("ai")},
        ],
    )
    walk(case, "implementation", cast)
    return case


def test_an_earlier_version_is_shown_read_only(client, make_case, case_manager, cast):
    case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    response = client.get(reverse("cases:plan_version", args=[case.pk, 1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 1" in html and "durch eine neuere Version ersetzt" in html
    assert "Arbeitstraining" in html and "Berufliche Abklärung IV" not in html
    assert '<form method="post"' not in html.split('id="main"')[1]
    assert reverse("cases:plan_version", args=[case.pk, 2]) in html


def test_an_unknown_version_is_404(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    assert client.get(reverse("cases:plan_version", args=[case.pk, 2])).status_code == 404


def test_the_version_page_links_to_the_changes_from_the_previous_one(client, make_case, case_manager, cast):
    case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    html = client.get(reverse("cases:plan_version", args=[case.pk, 2])).content.decode()
    assert f"{reverse('cases:plan_diff', args=[case.pk])}?from=1&amp;to=2" in html


# --- differences between versions ---------------------------------------------------------


def test_the_diff_shows_goals_and_measures_that_changed(client, make_case, case_manager, cast):
    case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    response = client.get(reverse("cases:plan_diff", args=[case.pk]), {"from": 1, "to": 2})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Änderungen am Aktionsplan von v1 zu v2" in html
    assert "<del>Stabile Anstellung im ersten Arbeitsmarkt</del>" in html
    assert "<ins>Stabile Anstellung im ersten Arbeitsmarkt (60 %)</ins>" in html
    assert re.search(r"hinzugefügt</span>\s*<span class=\"fw-semibold\">Berufliche Abklärung IV", html)
    assert re.search(r"entfernt</span>\s*<del class=\"fw-semibold\">Arbeitstraining</del>", html)
    assert "<ins>31.12.2031</ins>" in html
    assert "Das Datenblatt Ressourcen gehört zum Fall" in html  # not to a version: its changes are in the history


@pytest.mark.parametrize("params", [{}, {"from": "abc", "to": "2"}, {"from": "1", "to": "99"}, {"from": "2", "to": "2"}])
def test_missing_or_bad_versions_compare_the_last_two(client, make_case, case_manager, cast, params):
    case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    html = client.get(reverse("cases:plan_diff", args=[case.pk]), params).content.decode()
    assert "Änderungen am Aktionsplan von v1 zu v2" in html


def test_the_versions_can_be_compared_backwards(client, make_case, case_manager, cast):
    case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    html = client.get(reverse("cases:plan_diff", args=[case.pk]), {"from": 2, "to": 1}).content.decode()
    assert "von v2 zu v1" in html
    assert "<ins>Stabile Anstellung im ersten Arbeitsmarkt</ins>" in html


def test_a_single_version_has_nothing_to_compare(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    html = client.get(reverse("cases:plan_diff", args=[case.pk])).content.decode()
    assert "Es gibt nichts zu vergleichen." in html
    assert "<del>" not in html


def test_a_case_without_plan_has_nothing_to_compare(client, make_case, coordinator):
    case = make_case("reported")
    client.force_login(coordinator)
    assert "Es gibt nichts zu vergleichen." in client.get(reverse("cases:plan_diff", args=[case.pk])).content.decode()


@pytest.mark.parametrize("n", [2, 8])
def test_the_diff_runs_a_fixed_number_of_queries(client, make_case, case_manager, cast, n, django_assert_max_num_queries):
    case = two_versions(make_case, case_manager, cast)
    plan = case.records.current_plan
    for i in range(n):
        Measure.objects.create(plan=plan, position=20 + i, title=f"Zusatz {i}", responsible_institution=institution("ai"))
    client.force_login(case_manager)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("cases:plan_diff", args=[case.pk])).content.decode()
    assert f"Zusatz {n - 1}" in html


def test_the_plan_version_page_is_frozen_in_time(client, make_case, case_manager, cast):
    with time_machine.travel(datetime.datetime(2026, 2, 2, 10, tzinfo=datetime.UTC), tick=False):
        case = two_versions(make_case, case_manager, cast)
    client.force_login(case_manager)
    html = client.get(reverse("cases:plan_version", args=[case.pk, 1])).content.decode()
    assert "02.02.2026" in html
