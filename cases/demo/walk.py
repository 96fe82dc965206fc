"""Take a case through the CII101 flow with the real actions, up to a given state.

Used by the demo data and by the tests, so both build cases exactly as users do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from cases import actions
from cases.acting import acting_as
from cases.models import (
    Case,
    CaseState,
    ExitOutcome,
    InterruptionReason,
    MeasureStatus,
    MeetingDecision,
    MeetingKind,
    PoaCheck,
    Review,
    ReviewDecision,
    ReviewKind,
)
from roles.models import Institution, User

# The order in which the main path reaches each state.
MAIN_PATH = [
    CaseState.REPORTED,
    CaseState.ASSESSMENT,
    CaseState.CM_DESIGNATED,
    CaseState.PLAN_PREPARATION,
    CaseState.PLAN_VALIDATION,
    CaseState.IMPLEMENTATION,
    CaseState.EXIT_REPORT,
    CaseState.AWAITING_CLOSURE,
    CaseState.CLOSED,
]


@dataclass
class Cast:
    """Who does what on the case."""

    coordinator: User
    case_manager: User
    officer: User


def walk(
    case: Case,
    target: str,
    cast: Cast,
    *,
    today: datetime.date | None = None,
    meeting_kind: str = MeetingKind.ASSESSMENT,
    outcome: str = ExitOutcome.PLACED,
) -> Case:
    """Move ``case`` forward along the main path until it is in ``target``."""
    today = today or timezone.localdate()
    if target == CaseState.NO_CASE_MANAGEMENT:
        actions.plan_meeting(case, by=cast.coordinator, kind=MeetingKind.ROUND_TABLE)
        meeting = case.meetings.order_by("-pk").first()
        meeting.held_on = today
        meeting.result = "Die Situation ist mit den bestehenden Massnahmen abgedeckt."
        meeting.decision = MeetingDecision.NO_CASE_MANAGEMENT
        meeting.decision_reason = "Die RAV-Betreuung genügt; kein Koordinationsbedarf."
        actions.save_meeting(meeting, by=cast.coordinator)
        actions.end_without_case_management(case, by=cast.coordinator)
        return case
    if target == CaseState.NETWORK:
        walk(case, CaseState.IMPLEMENTATION, cast, today=today, meeting_kind=meeting_kind)
        actions.ask_network(
            case, by=cast.case_manager, kind=MeetingKind.NETWORK, reason="Neue gesundheitliche Einschränkung: Plan überprüfen."
        )
        return case
    if target == CaseState.ROUND_TABLE:
        meeting_kind = MeetingKind.ROUND_TABLE
    while case.state != target:
        case.refresh_records()
        state = case.state
        if state == CaseState.REPORTED:
            actions.plan_meeting(case, by=cast.coordinator, kind=meeting_kind)
        elif state in (CaseState.ROUND_TABLE, CaseState.ASSESSMENT):
            meeting = case.meetings.order_by("-pk").first()
            meeting.held_on = today
            meeting.place = "Sitten" if case.region.code != "ow" else "Brig"
            meeting.work_capacity = 50
            meeting.result = "Arbeitsfähigkeit 50 % in angepasster Tätigkeit; Unterstützung bei der Stellensuche nötig."
            meeting.action_options = "Arbeitstraining, Bewerbungscoaching, Abklärung Umschulung."
            meeting.decision = MeetingDecision.CASE_MANAGEMENT
            meeting.designated_cm = cast.case_manager
            meeting.lead_institution = case.reporting_institution
            actions.save_meeting(
                meeting, by=cast.coordinator, participants=[{"user": cast.coordinator}, {"user": cast.case_manager}]
            )
            actions.designate_case_manager(case, by=cast.coordinator)
        elif state == CaseState.CM_DESIGNATED:
            actions.start_plan(case, by=cast.case_manager, first_meeting_on=today)
        elif state == CaseState.PLAN_PREPARATION:
            plan = case.records.current_plan
            if not plan.goals_list:
                institution = case.reporting_institution
                other = case.institutions.exclude(pk=institution.pk).first() or institution
                plan.signature_place = "Sion"
                actions.save_plan(
                    plan,
                    by=cast.case_manager,
                    goals=["Stabile Anstellung im ersten Arbeitsmarkt", "Gesundheit stabilisieren"],
                    measures=[
                        {
                            "title": "Bewerbungscoaching",
                            "responsible_institution": institution,
                            "starts_on": today,
                            "due_on": today + datetime.timedelta(days=90),
                        },
                        {
                            "title": "Arbeitstraining",
                            "responsible_institution": other,
                            "starts_on": today,
                            "due_on": today + datetime.timedelta(days=180),
                        },
                    ],
                )
            plan.signed_by_person_on = today
            plan.signed_by_cm_on = today
            with acting_as(cast.case_manager):  # the signatures, as the CM records them on the plan form
                plan.save(update_fields=["signature_place", "signed_by_person_on", "signed_by_cm_on"])
            case.refresh_records()
            actions.submit_plan(case, by=cast.case_manager)
        elif state == CaseState.PLAN_VALIDATION:
            actions.validate_plan(case, by=cast.coordinator, comment="Einverstanden.")
        elif state == CaseState.IMPLEMENTATION:
            plan = case.records.current_plan
            progress = [{"measure_id": m.pk, "status": MeasureStatus.DONE, "note": "Abgeschlossen."} for m in plan.measures_list]
            review = Review(
                kind=ReviewKind.WITH_PERSON,
                held_on=today,
                summary="Alle Massnahmen abgeschlossen.",
                poa_check=PoaCheck.RENEWED,
                decision=ReviewDecision.FINISH_PLAN,
                network_informed=True,
            )
            # The last review renews the power of attorney, so that one is valid at the end.
            actions.record_review(
                case,
                by=cast.case_manager,
                review=review,
                progress=progress,
                poa_signed_on=today,
                poa_institutions=case.institutions.all(),
            )
        elif state == CaseState.EXIT_REPORT:
            report = case.records.exit_report
            report.outcome = outcome
            if outcome == ExitOutcome.PLACED:
                report.employer, report.job_title = "Lonza AG, Visp", "Produktionsmitarbeiter"
                report.job_start_on, report.workload_percent = today, 80
            elif outcome == ExitOutcome.OTHER_SERVICE:
                report.other_service = Institution.objects.get(code="ai")
            elif outcome == ExitOutcome.INTERRUPTED and not report.interruption_reason:
                report.interruption_reason = InterruptionReason.OTHER
            report.summary = "Die Person wurde während acht Monaten begleitet."
            report.power_of_attorney = report.powers_of_attorney_valid_at_end().first()
            if report.power_of_attorney is None:
                report.poa_not_renewed_reason = "Die Begleitung endete vor der Unterzeichnung einer Vollmacht."
            actions.save_exit_report(report, by=case.case_manager or cast.coordinator)
            actions.submit_exit_report(case, by=case.case_manager or cast.coordinator)
        elif state == CaseState.AWAITING_CLOSURE:
            actions.close_case(case, by=cast.officer, letter_text="")
        else:
            raise ValueError(f"cannot walk from {state} to {target}")
        case.refresh_records()
    return case
