"""The data of migration cases/migrations/0013_plan_versions.py: a plan sent back before the
versions told the story (one text, the version edited in place) is frozen with its text as
the options proposed, the next version opens for the case manager, and every submitted
version names who submitted it."""

import pytest
from django.utils import timezone

from cases.models import ActionPlan, Goal, Measure, PlanStatus
from tests.helpers import migrate_around

MIGRATION = ("cases", "0013_plan_versions")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_a_plan_sent_back_before_is_frozen_and_its_next_version_opens(make_case, coordinator, case_manager):
    sent_back = make_case("plan_validation")
    validated = make_case("implementation")
    old = migrate(before=True)
    try:
        # As the old send back left it: the same version, in preparation, one text, unsigned.
        OldPlan, OldCase = old.get_model("cases", "ActionPlan"), old.get_model("cases", "Case")
        OldPlan.objects.filter(case_id=sent_back.pk).update(
            status="sent_back",
            validator_id=coordinator.pk,
            decided_at=timezone.now(),
            decision_comment="Zuerst eine Abklärung der IV.",
            signed_by_person_on=None,
            signed_by_cm_on=None,
        )
        OldCase.objects.filter(pk=sent_back.pk).update(state="plan_preparation")
    finally:
        migrate(before=False)

    frozen = ActionPlan.objects.get(case=sent_back, version=1)
    assert (frozen.status, frozen.proposed_options, frozen.decision_comment) == (
        PlanStatus.SENT_BACK,
        "Zuerst eine Abklärung der IV.",
        "",
    )
    assert frozen.submitted_by == case_manager  # from the journal of the submission
    new = ActionPlan.objects.get(case=sent_back, version=2)
    assert (new.status, new.author, new.submitted_at) == (PlanStatus.DRAFT, case_manager, None)
    assert list(new.goals.values_list("text", flat=True)) == list(frozen.goals.values_list("text", flat=True))
    assert new.measures.count() == frozen.measures.count() == 2
    # The new records are in the change history.
    assert ActionPlan.history.filter(id=new.pk, history_type="+").count() == 1
    assert Goal.history.filter(plan_id=new.pk, history_type="+").count() == 2
    assert Measure.history.filter(plan_id=new.pk, history_type="+").count() == 2
    # A plan validated before: who submitted it, and nothing else changes.
    plan = ActionPlan.objects.get(case=validated)
    assert (plan.submitted_by, plan.status, plan.decision_comment) == (case_manager, PlanStatus.VALIDATED, "Einverstanden.")
    assert ActionPlan.objects.filter(case=validated).count() == 1


def migrate(before: bool):
    return migrate_around(MIGRATION, before=before)
