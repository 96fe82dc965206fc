"""What the dispute pages read: a dispute through the scope of its case, the steps a user may
take on it now, and the open disputes of the cases a user sees."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django_fsm import can_proceed

from cases.flow import policy
from cases.models import Case, Dispute
from cases.models.disputes import OPEN_DISPUTE_STATES, STEPS, DisputeState
from roles.models import User


def disputes() -> QuerySet[Dispute]:
    """Disputes with who recorded and settled them and the institutions (two queries)."""
    return Dispute.objects.select_related("opened_by", "closed_by").prefetch_related("institutions")


def for_case(case: Case) -> list[Dispute]:
    """The disputes of a case, newest first."""
    return list(disputes().filter(case=case).order_by("-opened_at", "-pk"))


def get_dispute(case: Case, pk: int) -> Dispute:
    """The dispute ``pk`` of ``case`` (already loaded through the scope); 404 otherwise."""
    dispute = get_object_or_404(disputes(), case=case, pk=pk)
    dispute.case = case  # the policy reads the case the page loaded
    return dispute


def steps_for(dispute: Dispute, user: User) -> list[str]:
    """The steps of the dispute that ``user`` may take now: its state allows them and the
    policy lets the user (in the order of the flow)."""
    return [
        name for name, method in STEPS.items() if can_proceed(getattr(dispute, method)) and policy.may(user, name, dispute.case)
    ]


def open_disputes(user: User) -> QuerySet[Dispute]:
    """The open disputes of the cases ``user`` sees: escalated first, then the oldest."""
    return (
        Dispute.objects.filter(case__in=Case.objects.visible_to(user).values("pk"), state__in=OPEN_DISPUTE_STATES)
        .select_related("case__person", "case__region", "opened_by")
        .prefetch_related("institutions")
        .order_by(F("escalated_at").desc(nulls_last=True), "opened_at", "pk")
    )


def escalated(queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
    return queryset.filter(state=DisputeState.ESCALATED)
