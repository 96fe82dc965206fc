"""A power of attorney that matches the records (CII101 step 7 and the case manager's duties at
the end of the support): at a review with the person "valid" only when the latest power of
attorney lasts until the next review with the person is due, "renewed" only with the new one
recorded in the same step (actions.record_review); the exit report names the one valid at the
end of the support, or says why there is none (ExitReport, the guard exit_report_complete).
The action refuses, the form page says it next to the field."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import actions, deadlines
from cases.actions import ActionRefused
from cases.demo.walk import walk
from cases.documents import rendering
from cases.models import (
    Case,
    CaseState,
    ExitReport,
    PoaCheck,
    PowerOfAttorney,
    Review,
    ReviewDecision,
    ReviewKind,
)
from cases.models.reviews import one_year_after
from tests.factories import institution
from tests.helpers import at, field_errors, journal_texts, messages_of, person, signed_power_of_attorney, state_of, text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def review(check: str, held_on: datetime.date | None = None, **fields) -> Review:
    return Review(
        kind=ReviewKind.WITH_PERSON,
        held_on=held_on or timezone.localdate(),
        summary="Bewerbungen laufen.",
        poa_check=check,
        decision=ReviewDecision.CONTINUE,
        **fields,
    )


def nothing_recorded(case, poas_before: int = 0) -> bool:
    return not Review.objects.filter(case=case).exists() and PowerOfAttorney.objects.filter(case=case).count() == poas_before


# --- "valid": the latest power of attorney lasts until the next review is due ----------------


def test_valid_is_refused_without_any_power_of_attorney(make_case, case_manager):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refused:
        actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID))
    assert refused.value.fields == {
        "poa_check": [
            "Für diesen Fall ist keine Vollmacht erfasst.",
            "Lassen Sie eine neue unterzeichnen und erfassen Sie sie hier mit «erneuert».",
        ]
    }
    assert nothing_recorded(case)


def test_valid_is_refused_when_the_power_of_attorney_has_expired(make_case, case_manager):
    case = make_case("implementation")
    expired = signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=400))
    with pytest.raises(ActionRefused) as refused:
        actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID))
    assert refused.value.fields["poa_check"][0] == f"Die Vollmacht ist am {expired.valid_until:%d.%m.%Y} abgelaufen."
    assert nothing_recorded(case, poas_before=1)


def test_valid_needs_the_power_of_attorney_to_last_until_the_next_review_is_due(make_case, case_manager):
    """Held on 20 March 2026, the next review with the person is due on 20 June 2026
    (IIZ_REVIEW_MONTHS = 3): a power of attorney valid until 19 June is refused, one valid
    until 20 June is accepted, and the review keeps it."""
    with time_machine.travel(at(2026, 3, 20), tick=False):
        case = make_case("implementation")
        assert deadlines.next_review_with_person_due(datetime.date(2026, 3, 20)) == datetime.date(2026, 6, 20)
        short = signed_power_of_attorney(case, case_manager, datetime.date(2025, 6, 20))
        assert short.valid_until == datetime.date(2026, 6, 19)
        with pytest.raises(ActionRefused) as refused:
            actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID))
        assert refused.value.fields["poa_check"][0] == (
            "Die Vollmacht endet am 19.06.2026, bevor die nächste Standortbestimmung mit der Person fällig ist (20.06.2026)."
        )
        enough = signed_power_of_attorney(case, case_manager, datetime.date(2025, 6, 21))
        assert enough.valid_until == datetime.date(2026, 6, 20)
        checked = actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID))
    assert Review.objects.get(pk=checked.pk).power_of_attorney == enough


def test_the_period_follows_the_setting(make_case, case_manager, settings):
    settings.IIZ_REVIEW_MONTHS = 1
    case = make_case("implementation")
    poa = signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=320))  # ends in about 45 days
    assert actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID)).power_of_attorney == poa


def test_a_power_of_attorney_signed_after_the_review_is_not_the_one_checked(make_case, case_manager):
    case = make_case("implementation")
    Case.objects.filter(pk=case.pk).update(plan_validated_at=timezone.now() - datetime.timedelta(days=30))
    case.refresh_from_db()
    signed_power_of_attorney(case, case_manager, TODAY)
    with pytest.raises(ActionRefused, match="keine Vollmacht"):
        actions.record_review(case, by=case_manager, review=review(PoaCheck.VALID, TODAY - datetime.timedelta(days=10)))


# --- "renewed": the new power of attorney is recorded in the same step ----------------------


def test_renewed_is_refused_without_the_new_power_of_attorney(make_case, case_manager):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refused:
        actions.record_review(case, by=case_manager, review=review(PoaCheck.RENEWED))
    assert refused.value.fields == {
        "poa_signed_on": ["Geben Sie an, an welchem Tag die neue Vollmacht unterzeichnet wurde."],
        "poa_institutions": ["Wählen Sie die Institutionen, die die neue Vollmacht abdeckt."],
    }
    assert nothing_recorded(case)


def test_renewed_records_the_new_power_of_attorney_with_the_review(make_case, case_manager):
    case = make_case("implementation")
    old = signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=330))
    done = actions.record_review(
        case,
        by=case_manager,
        review=review(PoaCheck.RENEWED),
        poa_signed_on=TODAY,
        poa_institutions=[institution("rav"), institution("ai")],
    )
    new = PowerOfAttorney.objects.exclude(pk=old.pk).get(case=case)
    assert Review.objects.get(pk=done.pk).power_of_attorney == new
    assert (new.signed_on, new.valid_until, new.recorded_by) == (TODAY, one_year_after(TODAY), case_manager)
    assert set(new.institutions.values_list("code", flat=True)) == {"rav", "ai"}
    assert Case.objects.get(pk=case.pk).poa_valid_until == new.valid_until  # the deadline follows
    texts = journal_texts(case)
    assert f"Vollmacht unterzeichnet am {TODAY:%d.%m.%Y}, gültig bis {new.valid_until:%d.%m.%Y}" in texts[-2]
    assert texts[-1] == "Bewerbungen laufen."


def test_a_renewal_that_would_not_last_until_the_next_review_is_refused(make_case, case_manager):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refused:
        actions.record_review(
            case,
            by=case_manager,
            review=review(PoaCheck.RENEWED),
            poa_signed_on=TODAY - datetime.timedelta(days=330),
            poa_institutions=[institution("rav")],
        )
    assert list(refused.value.fields) == ["poa_signed_on"]
    assert "bevor die nächste Standortbestimmung mit der Person fällig ist" in refused.value.reasons[0]
    assert nothing_recorded(case)  # the power of attorney recorded on the way is rolled back


def test_a_renewal_signed_in_the_future_is_refused_on_its_date(make_case, case_manager):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refused:
        actions.record_review(
            case,
            by=case_manager,
            review=review(PoaCheck.RENEWED),
            poa_signed_on=TODAY + datetime.timedelta(days=1),
            poa_institutions=[institution("rav")],
        )
    assert refused.value.fields == {"poa_signed_on": ["Eine Vollmacht kann nicht in der Zukunft unterzeichnet werden."]}
    assert nothing_recorded(case)


def test_refused_and_team_reviews_need_no_power_of_attorney(make_case, case_manager, coordinator):
    case = make_case("implementation")
    refused = actions.record_review(case, by=case_manager, review=review(PoaCheck.REFUSED))
    team = actions.record_review(
        case, by=coordinator, review=Review(kind=ReviewKind.TEAM, held_on=TODAY, summary="Team", decision="continue")
    )
    assert refused.power_of_attorney is None and team.power_of_attorney is None


def test_the_review_minutes_say_which_power_of_attorney(make_case, case_manager):
    case = make_case("implementation", person=person("fr"))
    done = actions.record_review(
        case, by=case_manager, review=review(PoaCheck.RENEWED), poa_signed_on=TODAY, poa_institutions=[institution("rav")]
    )
    body = text(rendering.render_review_minutes(Review.objects.select_related("power_of_attorney").get(pk=done.pk)))
    assert "renouvelée : une nouvelle procuration a été signée" in body
    assert f"Procuration signée le {TODAY:%d.%m.%Y}, valable jusqu'au {one_year_after(TODAY):%d.%m.%Y}" in body


# --- the review form -------------------------------------------------------------------------


def review_url(case):
    return reverse("cases:new_review", args=[case.pk])


def review_data(case, **overrides):
    plan = case.records.current_plan
    data = {
        "kind": "with_person",
        "held_on": TODAY.isoformat(),
        "summary": "Arbeitstraining läuft.",
        "poa_check": "valid",
        "poa_signed_on": "",
        "decision": "continue",
        "progress-TOTAL_FORMS": str(len(plan.measures_list)),
        "progress-INITIAL_FORMS": str(len(plan.measures_list)),
    }
    for i, measure in enumerate(plan.measures_list):
        data[f"progress-{i}-measure_id"] = str(measure.pk)
        data[f"progress-{i}-status"] = "running"
    data.update(overrides)
    return data


def test_the_form_offers_the_new_power_of_attorney_for_renewed(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=300))
    client.force_login(case_manager)
    html = client.get(review_url(case)).content.decode()
    renewal = html.split('data-show-for="poa_check:renewed"')[1].split('id="review-decision"')[0]
    assert 'name="poa_signed_on"' in renewal and 'name="poa_institutions"' in renewal
    for code, checked in (("rav", True), ("social", True), ("ai", False)):  # the case's institutions
        tag = renewal.split(f'value="{institution(code).pk}"')[1].split(">")[0]
        assert (" checked" in tag) is checked, code
    # The last power of attorney does not last until the next review: the page says so.
    assert "bevor die nächste Standortbestimmung mit der Person fällig ist" in html.split('class="poa-status')[1]


def test_valid_without_a_power_of_attorney_is_said_next_to_the_check(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case))
    assert response.status_code == 200
    html = response.content.decode()
    errors = field_errors(html, "poa_check")
    assert "Für diesen Fall ist keine Vollmacht erfasst." in errors and "«erneuert»" in errors
    assert "Arbeitstraining läuft." in html  # the input is kept
    assert "Dies wurde nicht gespeichert:" not in html
    assert nothing_recorded(case)


def test_renewed_without_its_data_is_said_next_to_its_fields(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    response = client.post(review_url(case), review_data(case, poa_check="renewed"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "an welchem Tag die neue Vollmacht unterzeichnet wurde" in field_errors(html, "poa_signed_on")
    assert "Wählen Sie die Institutionen" in field_errors(html, "poa_institutions")
    assert 'value="renewed" checked' in html
    assert nothing_recorded(case)


def test_renewed_too_long_ago_is_said_next_to_its_date_with_the_input_kept(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    signed = (TODAY - datetime.timedelta(days=330)).isoformat()
    data = review_data(case, poa_check="renewed", poa_signed_on=signed, poa_institutions=[institution("rav").pk])
    response = client.post(review_url(case), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "bevor die nächste Standortbestimmung mit der Person fällig ist" in field_errors(html, "poa_signed_on")
    assert f'value="{signed}"' in html
    assert nothing_recorded(case)


def test_the_case_manager_renews_the_power_of_attorney_at_the_review(client, make_case, case_manager):
    case = make_case("implementation")
    client.force_login(case_manager)
    data = review_data(case, poa_check="renewed", poa_signed_on=TODAY.isoformat(), poa_institutions=[institution("rav").pk])
    response = client.post(review_url(case), data)
    assert response.status_code == 302
    poa = PowerOfAttorney.objects.get(case=case)
    assert Review.objects.get(case=case).power_of_attorney == poa
    assert list(poa.institutions.values_list("code", flat=True)) == ["rav"]
    assert messages_of(response) == [
        "Standortbestimmung erfasst.",
        "Die neue Vollmacht ist erfasst: Legen Sie den unterschriebenen Scan ab, sobald Sie ihn haben.",
    ]
    # Its signed scan follows later, on the existing page.
    assert client.get(reverse("cases:signed_poa", args=[case.pk])).status_code == 200


def test_data_of_a_renewal_is_not_kept_for_another_check(client, make_case, case_manager):
    case = make_case("implementation")
    signed_power_of_attorney(case, case_manager)
    client.force_login(case_manager)
    data = review_data(case, poa_signed_on=TODAY.isoformat(), poa_institutions=[institution("ai").pk])  # "valid"
    assert client.post(review_url(case), data).status_code == 302
    assert PowerOfAttorney.objects.filter(case=case).count() == 1


# --- the end of the support: the exit report ----------------------------------------------------


def complete(report: ExitReport, **fields) -> ExitReport:
    report.summary = "Acht Monate begleitet."
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_the_exit_report_is_complete_only_with_the_power_of_attorney_or_why_not(make_case, case_manager):
    case = make_case("exit_report")  # the last review renewed the power of attorney (cases/demo/walk.py)
    report = complete(case.records.exit_report, outcome="other_service", other_service=institution("ai"))
    actions.save_exit_report(report, by=case_manager)
    assert report.missing_fields() == ["poa_not_renewed_reason"]
    with pytest.raises(ActionRefused, match="die Vollmacht am Ende der Begleitung"):
        actions.submit_exit_report(case, by=case_manager)
    renewed = report.powers_of_attorney_valid_at_end().get()
    actions.save_exit_report(complete(report, power_of_attorney=renewed), by=case_manager)
    actions.submit_exit_report(case, by=case_manager)
    assert state_of(case) == CaseState.AWAITING_CLOSURE


def test_a_reason_completes_the_exit_report_too(make_case, case_manager):
    case = make_case("implementation")
    actions.interrupt(case, by=case_manager, reason="died", note="")
    case.refresh_records()
    report = complete(case.records.exit_report, poa_not_renewed_reason="Die Person ist verstorben.")
    actions.save_exit_report(report, by=case_manager)
    actions.submit_exit_report(case, by=case_manager)
    assert state_of(case) == CaseState.AWAITING_CLOSURE


def test_a_power_of_attorney_not_valid_at_the_end_is_refused(make_case, case_manager):
    case = make_case("implementation")
    expired = signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=400))
    actions.interrupt(case, by=case_manager, reason="moved")
    case.refresh_records()
    report = complete(case.records.exit_report, power_of_attorney=expired)
    with pytest.raises(ValidationError) as refused:
        actions.save_exit_report(report, by=case_manager)
    assert refused.value.message_dict == {
        "power_of_attorney": [f"Diese Vollmacht ist am letzten Tag der Begleitung ({TODAY:%d.%m.%Y}) nicht gültig."]
    }


def test_a_power_of_attorney_of_another_case_is_refused(make_case, case_manager):
    other = make_case("implementation")
    foreign = signed_power_of_attorney(other, case_manager)
    case = make_case("exit_report")
    report = complete(case.records.exit_report, outcome="other_service", other_service=institution("ai"))
    with pytest.raises(ValidationError) as refused:
        actions.save_exit_report(complete(report, power_of_attorney=foreign), by=case_manager)
    assert list(refused.value.message_dict) == ["power_of_attorney"]


def exit_url(case):
    return reverse("cases:exit_report", args=[case.pk])


def exit_data(**overrides):
    return {
        "outcome": "other_service",
        "other_service": str(institution("ai").pk),
        "summary": "Acht Monate Begleitung.",
        "power_of_attorney": "",
        "poa_not_renewed_reason": "",
        **overrides,
    }


def test_the_exit_form_offers_only_the_powers_of_attorney_valid_at_the_end(client, make_case, case_manager, cast):
    case = make_case("implementation")
    expired = signed_power_of_attorney(case, case_manager, TODAY - datetime.timedelta(days=400))
    walk(case, CaseState.EXIT_REPORT, cast)  # the last review renews it
    renewed = PowerOfAttorney.objects.exclude(pk=expired.pk).get(case=case)
    client.force_login(case_manager)
    html = client.get(exit_url(case)).content.decode()
    choices = html.split('id="id_power_of_attorney"')[1].split("</fieldset>")[0]
    assert f'value="{renewed.pk}"' in choices and f'value="{expired.pk}"' not in choices
    assert f"Unterzeichnet am {TODAY:%d.%m.%Y}, gültig bis {renewed.valid_until:%d.%m.%Y}" in choices
    assert "Keine ist gültig: Sie wurde nicht erneuert (Grund unten angeben)" in choices


def test_the_exit_form_asks_for_the_reason_next_to_it(client, make_case, case_manager):
    case = make_case("exit_report")
    client.force_login(case_manager)
    response = client.post(exit_url(case), exit_data(other_service_detail="IV-Berufsberatung"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Wählen Sie die am Ende der Begleitung gültige Vollmacht" in field_errors(html, "poa_not_renewed_reason")
    assert 'value="IV-Berufsberatung"' in html
    response = client.post(exit_url(case), exit_data(poa_not_renewed_reason="Die Person lehnte ab."))
    assert response.status_code == 302
    assert ExitReport.objects.get(case=case).poa_not_renewed_reason == "Die Person lehnte ab."


def test_choosing_the_renewed_one_drops_the_reason(client, make_case, case_manager):
    case = make_case("exit_report")
    renewed = PowerOfAttorney.objects.get(case=case)
    client.force_login(case_manager)
    response = client.post(exit_url(case), exit_data(power_of_attorney=str(renewed.pk), poa_not_renewed_reason="x"))
    assert response.status_code == 302
    report = ExitReport.objects.get(case=case)
    assert (report.power_of_attorney, report.poa_not_renewed_reason, report.is_complete) == (renewed, "", True)


def test_the_case_page_and_the_pdf_say_it_in_the_persons_language(client, make_case, case_manager):
    case = make_case("awaiting_closure", person=person("fr"))
    poa = ExitReport.objects.get(case=case).power_of_attorney
    assert poa is not None  # cases/demo/walk.py names the one renewed at the last review
    client.force_login(case_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    shown = html.split('class="exit-poa"')[1].split("</dd>")[0]
    assert f"Erneuert: unterzeichnet am {poa.signed_on:%d.%m.%Y}, gültig bis {poa.valid_until:%d.%m.%Y}" in shown
    body = text(rendering.render_exit_report(ExitReport.objects.get(case=case)))
    assert "Procuration à la fin de\nl'accompagnement" in body  # a row heading, on two lines
    assert f"Renouvelée : signée le {poa.signed_on:%d.%m.%Y}, valable jusqu'au {poa.valid_until:%d.%m.%Y}" in body


def test_a_reason_is_shown_on_the_case_page_and_in_the_pdf(client, make_case, case_manager):
    case = make_case("implementation")
    actions.interrupt(case, by=case_manager, reason="moved")
    case.refresh_records()
    report = complete(case.records.exit_report, poa_not_renewed_reason="Umzug vor der Erneuerung.")
    actions.save_exit_report(report, by=case_manager)
    client.force_login(case_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Nicht erneuert: Umzug vor der Erneuerung." in html.split('class="exit-poa"')[1].split("</dd>")[0]
    body = text(rendering.render_exit_report(ExitReport.objects.get(case=case)))
    assert "Vollmacht am Ende der Begleitung" in body and "Nicht erneuert: Umzug vor der Erneuerung." in body


def test_the_migration_completes_the_exit_reports_submitted_before(make_case, officer):
    """Without it, a case awaiting closure could not be closed any more."""
    renewed_case = make_case("awaiting_closure")
    earlier_case = make_case("awaiting_closure")
    earlier = TODAY - datetime.timedelta(days=400)  # a power of attorney that had expired by the end
    PowerOfAttorney.objects.filter(case=earlier_case).update(signed_on=earlier, valid_until=one_year_after(earlier))
    pending = make_case("exit_report")
    ExitReport.objects.update(power_of_attorney=None, poa_not_renewed_reason="")
    migration = importlib.import_module("cases.migrations.0010_poa_and_dates")
    migration.state_submitted_reports(apps, None)
    reports = {r.case_id: r for r in ExitReport.objects.all()}
    assert reports[renewed_case.pk].power_of_attorney == PowerOfAttorney.objects.get(case=renewed_case)
    assert reports[earlier_case.pk].poa_not_renewed_reason == migration.NOT_STATED
    assert (reports[pending.pk].power_of_attorney, reports[pending.pk].poa_not_renewed_reason) == (None, "")
    actions.close_case(Case.objects.get(pk=earlier_case.pk), by=officer)
    assert state_of(earlier_case) == CaseState.CLOSED
