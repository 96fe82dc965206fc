"""The versions of the action plan (cases/actions.py: submit_plan, send_back_plan, save_plan,
change_plan): a version sent back is frozen with the reasons and the other options proposed
and the case manager reworks the next version; each version keeps who submitted it and who
decided; saving a version changes only what changed, in the change history too; the deadlines,
the kept dates and the print queue follow."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import actions, deadlines
from cases.audit import history
from cases.demo.walk import walk
from cases.documents import printqueue
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import Case, CaseState, Goal, JournalEntry, Measure, PlanStatus
from tests.factories import institution
from tests.helpers import PDF, at, journal_texts, plan_of

pytestmark = pytest.mark.django_db

REASONS = "Die IV-Stelle ist noch nicht einbezogen."
OPTIONS = "Zuerst eine berufliche Abklärung der IV-Stelle vorsehen."


def send_back(case, coordinator):
    return actions.send_back_plan(case, by=coordinator, reasons=REASONS, options=OPTIONS)


def goal_rows(case) -> list[tuple[str, str]]:
    """(kind, record) of every goal in the case's change history, oldest first."""
    return [(c.kind, c.record) for c in reversed(history.case_changes(case)) if c.record_type == "goal"]


# --- sending back ---------------------------------------------------------------------------------


def test_sending_back_needs_the_reasons_and_the_options(make_case, coordinator):
    case = make_case("plan_validation")
    with pytest.raises(ActionRefused) as refused:
        actions.send_back_plan(case, by=coordinator, reasons="  ", options="")
    assert refused.value.reasons == [
        "Geben Sie an, warum der Plan nicht validiert wird.",
        "Geben Sie beim Zurückweisen an, welche anderen Aktionsmöglichkeiten Sie vorschlagen.",
    ]
    with pytest.raises(ActionRefused, match="anderen Aktionsmöglichkeiten"):
        actions.send_back_plan(case, by=coordinator, reasons=REASONS, options=" ")
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_VALIDATION
    assert case.plans.count() == 1


def test_a_case_manager_may_not_send_the_plan_back_whatever_the_texts(make_case, case_manager):
    case = make_case("plan_validation")
    with pytest.raises(ActionRefused) as refused:
        actions.send_back_plan(case, by=case_manager, reasons="", options="")
    assert refused.value.forbidden
    assert refused.value.reasons == ["Nur der Koordinator des Falls weist einen Aktionsplan zurück."]


def test_sending_back_freezes_the_version_and_opens_the_next_one_for_the_case_manager(make_case, coordinator, case_manager):
    case = make_case("plan_validation")
    submitted = plan_of(case, 1)
    new = send_back(case, coordinator)
    assert Case.objects.get(pk=case.pk).state == CaseState.PLAN_PREPARATION
    frozen = plan_of(case, 1)
    assert frozen.status == PlanStatus.SENT_BACK and frozen.is_frozen and not frozen.is_editable
    assert (frozen.validator, frozen.refusal_reasons, frozen.proposed_options) == (coordinator, REASONS, OPTIONS)
    assert frozen.decided_at is not None and frozen.decision_comment == ""
    # The frozen version stays as it was submitted, signatures included.
    assert frozen.is_signed
    assert (frozen.signed_by_person_on, frozen.submitted_by) == (submitted.signed_by_person_on, case_manager)
    # The next version: a copy, by the case manager, unsigned, not submitted.
    assert (new.version, new.status, new.author) == (2, PlanStatus.DRAFT, case_manager)
    assert not new.is_signed and new.submitted_at is None and new.validator is None
    assert new.signature_place == frozen.signature_place
    assert list(new.goals.values_list("position", "text")) == list(frozen.goals.values_list("position", "text"))
    copied = ("title", "responsible_institution", "starts_on", "due_on", "status")
    assert list(new.measures.values_list(*copied)) == list(frozen.measures.values_list(*copied))
    assert case.records.current_plan == new
    entry = JournalEntry.objects.get(case=case, transition="send_back_plan")
    assert entry.author == coordinator
    assert (entry.text, entry.event, entry.params) == (REASONS, "plan_sent_back", {"options": OPTIONS})
    assert journal_texts(case)[-1] == f"{REASONS}\nVorgeschlagene andere Aktionsmöglichkeiten: {OPTIONS}"
    assert journal_texts(case, "fr")[-1] == f"{REASONS}\nAutres possibilités d'action proposées : {OPTIONS}"


def test_the_version_sent_back_can_no_longer_be_edited_or_signed(make_case, coordinator, case_manager, secretariat, media):
    case = make_case("plan_validation")
    send_back(case, coordinator)
    frozen = plan_of(case, 1)
    with pytest.raises(ActionRefused, match="nur bearbeitet werden, solange er in Erarbeitung ist"):
        actions.save_plan(frozen, by=case_manager, goals=["Anders"], measures=[])
    with pytest.raises(ActionRefused, match="Unterzeichnet wird die neuere Version"):
        actions.file_signed_plan(
            frozen,
            by=secretariat,
            upload=SimpleUploadedFile("s.pdf", PDF),
            signature_place="Brig",
            signed_by_person_on=datetime.date.today(),
            signed_by_cm_on=datetime.date.today(),
        )
    assert list(plan_of(case, 1).goals.values_list("text", flat=True)) == [
        "Stabile Anstellung im ersten Arbeitsmarkt",
        "Gesundheit stabilisieren",
    ]


def test_the_reworked_version_is_signed_submitted_and_validated_by_the_coordinator(make_case, coordinator, case_manager, cast):
    case = make_case("plan_validation")
    send_back(case, coordinator)
    assert list(policy.may(case_manager, "submit_plan", case).reasons) == [
        "Der Aktionsplan muss von der Person und vom Case Manager unterzeichnet sein (Datum beider Unterschriften)."
    ]
    walk(case, CaseState.IMPLEMENTATION, cast)  # signed again, submitted, validated
    assert list(case.plans.order_by("version").values_list("version", "status")) == [
        (1, PlanStatus.SENT_BACK),
        (2, PlanStatus.VALIDATED),
    ]
    reworked = plan_of(case, 2)
    assert (reworked.submitted_by, reworked.validator) == (case_manager, coordinator)
    # The version sent back keeps its own decision.
    assert (plan_of(case, 1).validator, plan_of(case, 1).refusal_reasons) == (coordinator, REASONS)


def test_a_changed_plan_sent_back_opens_a_third_version(make_case, coordinator, case_manager, cast):
    case = make_case("implementation")
    actions.change_plan(case, by=case_manager, reason="Umzug.")
    walk(case, CaseState.PLAN_VALIDATION, cast)
    send_back(case, coordinator)
    walk(case, CaseState.IMPLEMENTATION, cast)
    assert list(case.plans.order_by("version").values_list("status", flat=True)) == [
        PlanStatus.SUPERSEDED,
        PlanStatus.SENT_BACK,
        PlanStatus.VALIDATED,
    ]


def test_submitting_records_who_submitted(make_case, case_manager):
    case = make_case("plan_validation")
    plan = plan_of(case, 1)
    assert plan.submitted_by == case_manager and plan.submitted_at is not None


# --- deadlines, kept dates, print queue ------------------------------------------------------------


def test_the_validation_deadline_counts_from_the_resubmission(make_case, coordinator, cast):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        case = make_case("plan_validation")
    assert deadlines.plan_validation(case, datetime.date(2026, 3, 2)).due_on == datetime.date(2026, 3, 12)
    with time_machine.travel(at(2026, 3, 5), tick=False):
        send_back(case, coordinator)
    assert deadlines.plan_validation(case, datetime.date(2026, 3, 5)) is None  # back with the case manager
    with time_machine.travel(at(2026, 3, 9), tick=False):
        walk(case, CaseState.PLAN_VALIDATION, cast)
    assert deadlines.plan_validation(case, datetime.date(2026, 3, 9)).due_on == datetime.date(2026, 3, 19)


def test_the_kept_dates_follow_the_validation_of_the_reworked_version(make_case, coordinator, case_manager, cast):
    with time_machine.travel(at(2026, 1, 5), tick=False):
        case = make_case("implementation")
    with time_machine.travel(at(2026, 2, 2), tick=False):
        actions.change_plan(case, by=case_manager, reason="Neue Lage.")
        walk(case, CaseState.PLAN_VALIDATION, cast)
    with time_machine.travel(at(2026, 2, 4), tick=False):
        send_back(case, coordinator)
    assert deadlines.refresh_kept_dates(Case.objects.filter(pk=case.pk)) == 0  # kept right by the action
    with time_machine.travel(at(2026, 2, 10), tick=False):
        walk(case, CaseState.IMPLEMENTATION, cast)
    assert Case.objects.get(pk=case.pk).team_review_since == datetime.date(2026, 2, 10)
    assert deadlines.refresh_kept_dates(Case.objects.filter(pk=case.pk)) == 0


def test_a_version_sent_back_leaves_the_print_queue_and_its_rework_is_not_offered_before_submission(
    make_case, coordinator, secretariat, cast
):
    case = make_case("plan_validation")
    assert [item.key for item in printqueue.print_queue(secretariat)["plan"]] == [f"plan-{plan_of(case, 1).pk}"]
    send_back(case, coordinator)
    assert printqueue.print_queue(secretariat)["plan"] == []
    walk(case, CaseState.PLAN_VALIDATION, cast)
    assert [item.key for item in printqueue.print_queue(secretariat)["plan"]] == [f"plan-{plan_of(case, 2).pk}"]


# --- saving a version changes only what changed ----------------------------------------------------


def save(plan, by, goals, measures=None):
    if measures is None:
        measures = [
            {
                "id": m.pk,
                "title": m.title,
                "responsible_institution": m.responsible_institution,
                "starts_on": m.starts_on,
                "due_on": m.due_on,
            }
            for m in plan.measures.order_by("position")
        ]
    return actions.save_plan(plan, by=by, goals=goals, measures=measures)


def test_saving_unchanged_goals_and_measures_adds_no_history_row_for_them(make_case, case_manager):
    case = make_case("plan_preparation")
    plan = case.records.current_plan
    save(plan, case_manager, ["Stelle finden", "Deutschkurs"], measures=[])
    actions.save_plan(
        plan,
        by=case_manager,
        goals=["Stelle finden", "Deutschkurs"],
        measures=[{"title": "Coaching", "responsible_institution": institution("rav")}],
    )
    goals, measures = Goal.history.count(), Measure.history.count()
    pks = list(plan.goals.values_list("pk", flat=True))
    save(plan, case_manager, ["Stelle finden", "", "Deutschkurs"])
    assert (Goal.history.count(), Measure.history.count()) == (goals, measures)
    assert list(plan.goals.values_list("pk", flat=True)) == pks


def test_a_changed_goal_shows_one_change_with_before_and_after(make_case, case_manager):
    case = make_case("plan_preparation")
    plan = case.records.current_plan
    save(plan, case_manager, ["Stelle finden", "Deutschkurs"], measures=[])
    before = Goal.history.count()
    save(plan, case_manager, ["Stelle im Detailhandel finden", "Deutschkurs"], measures=[])
    assert Goal.history.count() == before + 1
    [change] = [c for c in history.case_changes(case) if c.record_type == "goal" and c.kind == history.CHANGED]
    [field] = change.fields
    assert (field.name, field.before, field.after, change.user) == (
        "text",
        "Stelle finden",
        "Stelle im Detailhandel finden",
        case_manager,
    )


def test_removing_or_adding_a_goal_shows_only_that_goal(make_case, case_manager):
    case = make_case("plan_preparation")
    plan = case.records.current_plan
    save(plan, case_manager, ["Stelle finden", "Deutschkurs", "Gesundheit"], measures=[])
    save(plan, case_manager, ["Deutschkurs", "Gesundheit"], measures=[])
    save(plan, case_manager, ["Deutschkurs", "Bewerbungen schreiben", "Gesundheit"], measures=[])
    assert goal_rows(case) == [
        ("+", "v1: Stelle finden"),
        ("+", "v1: Deutschkurs"),
        ("+", "v1: Gesundheit"),
        ("-", "v1: Stelle finden"),
        ("+", "v1: Bewerbungen schreiben"),
    ]
    assert list(plan.goals.values_list("position", "text")) == [
        (0, "Deutschkurs"),
        (1, "Bewerbungen schreiben"),
        (2, "Gesundheit"),
    ]


def test_a_changed_measure_is_saved_alone(make_case, case_manager):
    case = make_case("plan_validation")
    send_back(case, coordinator=case.coordinator)
    plan = case.records.current_plan
    first, second = plan.measures.order_by("position")
    rows = [
        {"id": first.pk, "title": "Bewerbungscoaching intensiv", "responsible_institution": first.responsible_institution},
        {"id": second.pk, "title": second.title, "responsible_institution": second.responsible_institution},
    ]
    rows[1].update(starts_on=second.starts_on, due_on=second.due_on)
    rows[0].update(starts_on=first.starts_on, due_on=first.due_on)
    before = Measure.history.filter(id=second.pk).count()
    actions.save_plan(plan, by=case_manager, goals=[g.text for g in plan.goals_list], measures=rows)
    assert Measure.history.filter(id=second.pk).count() == before
    assert Measure.history.filter(id=first.pk).latest().title == "Bewerbungscoaching intensiv"


def test_a_measure_of_another_version_is_refused(make_case, coordinator, case_manager):
    case = make_case("plan_validation")
    send_back(case, coordinator)
    frozen = plan_of(case, 1).measures.first()
    plan = case.records.current_plan
    with pytest.raises(ActionRefused, match="gehört nicht zu dieser Planversion"):
        actions.save_plan(
            plan,
            by=case_manager,
            goals=["Ziel"],
            measures=[{"id": frozen.pk, "title": "Übernommen", "responsible_institution": institution("rav")}],
        )
    frozen.refresh_from_db()
    assert frozen.plan.version == 1 and frozen.title != "Übernommen"
