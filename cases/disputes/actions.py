"""The only writers of disputes (cases/models/disputes.py).

Each action is atomic (``@action``: the acting user is recorded), asks the policy
(``policy.require``, the entries of the "disputes" section of cases/flow/policy.py), takes the
dispute's transition, validates and saves it, writes the step on the case's timeline (an event
of cases/audit/events.py, rendered in the reader's language) and tells whoever waits for it
(cases/notifications EVENTS: the officer of an escalation, the coordinators of the officer's
decision) in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases import actions as case_actions
from cases.acting import action
from cases.audit import events
from cases.audit.events import institution_names
from cases.commission import actions as commission_actions
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import Case, Dispute, JournalKind, ReferralKind
from cases.models.disputes import STEPS
from roles.models import Institution, User


def _required(**texts: str) -> None:
    """Refuse when a text the step needs is empty, next to its field."""
    for name, value in texts.items():
        if not (value or "").strip():
            raise ActionRefused([_("This field is required.")], field=name)


def _save(dispute: Dispute) -> None:
    try:
        # The state is the machine's; the case and the users are given by the action.
        dispute.full_clean(exclude=["institutions", "state", "case", "opened_by", "closed_by"])
    except ValidationError as error:
        raise ActionRefused.from_validation_error(error) from None
    try:
        dispute.save()
    except ConcurrentTransition as error:
        raise case_actions.CaseConflict() from error


def not_now(dispute: Dispute) -> str:
    return _("This step is not possible while the dispute is “%(state)s”.") % {"state": dispute.get_state_display()}


def _take(dispute: Dispute, name: str, *, by: User, event: str, params: dict, **fields) -> Dispute:
    """Take the dispute's step ``name`` (an entry of the policy and of ``STEPS``) as ``by``:
    the transition, the fields it records, the journal entry and the notifications."""
    case = dispute.case
    policy.require(by, name, case)
    transition = getattr(dispute, STEPS[name])
    if not can_proceed(transition):
        raise ActionRefused([not_now(dispute)])
    transition()
    for field, value in fields.items():
        setattr(dispute, field, value)
    _save(dispute)
    case_actions._journal(case, by, JournalKind.RECORD, event=event, params=params)
    case_actions._notify(case, name, by=by)
    return dispute


@action
def record_dispute(
    case: Case, *, by: User, institutions: Iterable[Institution], subject: str, description: str, proposal: str
) -> Dispute:
    """Seed 004: the coordinator records a dispute between at least two institutions about the
    competence, the costs or a measure of the case, with a proposal."""
    policy.require(by, "record_dispute", case)
    chosen = sorted(set(institutions), key=lambda institution: institution.code)
    if len(chosen) < 2:
        raise ActionRefused([_("A dispute is between at least two institutions.")], field="institutions")
    _required(description=description, proposal=proposal)
    dispute = Dispute(case=case, subject=subject, description=description.strip(), proposal=proposal.strip(), opened_by=by)
    _save(dispute)
    dispute.institutions.set(chosen)
    case_actions._journal(
        case,
        by,
        JournalKind.RECORD,
        dispute.description,
        event=events.DISPUTE_RECORDED,
        params={"institutions": institution_names(chosen), "subject": subject, "proposal": dispute.proposal},
    )
    return dispute


@action
def record_exchange(dispute: Dispute, *, by: User, kind: str, held_on: datetime.date, participants: str, outcome: str) -> Dispute:
    """Seed 004: the coordinator organises and leads a regional exchange or a coordination
    meeting to settle the dispute, and records who took part and its outcome."""
    policy.require(by, "record_dispute_exchange", dispute.case)  # the role first, then the input
    _required(participants=participants, outcome=outcome)
    return _take(
        dispute,
        "record_dispute_exchange",
        by=by,
        event=events.DISPUTE_EXCHANGE_HELD,
        params={"meeting": kind, "date": held_on.isoformat() if held_on else "", "outcome": outcome.strip()},
        exchange_kind=kind,
        exchange_held_on=held_on,
        exchange_participants=participants.strip(),
        exchange_outcome=outcome.strip(),
    )


@action
def settle_dispute(dispute: Dispute, *, by: User, settlement: str) -> Dispute:
    """The institutions agreed at regional level: the coordinator records what was agreed."""
    policy.require(by, "settle_dispute", dispute.case)  # the role first, then the input
    _required(settlement=settlement)
    return _take(
        dispute,
        "settle_dispute",
        by=by,
        event=events.DISPUTE_SETTLED,
        params={"settlement": settlement.strip()},
        settlement=settlement.strip(),
        closed_at=timezone.now(),
        closed_by=by,
    )


@action
def escalate_dispute(dispute: Dispute, *, by: User, reason: str) -> Dispute:
    """Not settled regionally: the coordinator escalates the dispute to the cantonal officer,
    who is told (a notification, and the list "Disputes escalated to you" of My tasks)."""
    policy.require(by, "escalate_dispute", dispute.case)  # the role first, then the input
    _required(reason=reason)
    return _take(
        dispute,
        "escalate_dispute",
        by=by,
        event=events.DISPUTE_ESCALATED,
        params={"reason": reason.strip()},
        escalation_reason=reason.strip(),
        escalated_at=timezone.now(),
    )


@action
def take_dispute_position(dispute: Dispute, *, by: User, position: str) -> Dispute:
    """Seed 004: the cantonal officer takes a position in the escalated dispute, which settles
    it; the coordinators are told."""
    policy.require(by, "take_dispute_position", dispute.case)  # the role first, then the input
    _required(position=position)
    return _take(
        dispute,
        "take_dispute_position",
        by=by,
        event=events.DISPUTE_POSITION_TAKEN,
        params={"position": position.strip()},
        position=position.strip(),
        closed_at=timezone.now(),
        closed_by=by,
    )


@action
def refer_dispute_to_commission(
    dispute: Dispute,
    *,
    by: User,
    kind: str,
    justification: str,
    amount: Decimal | None = None,
    position: str = "",
    paying_institution: Institution | None = None,
) -> Dispute:
    """Seed 004: the cantonal officer refers the escalated dispute to the legal commission.

    This is the one place a referral is recorded: what the commission is asked to decide
    (``kind``: pre-financing by the cantonal employment fund, subsidiary financing of a
    measure in no catalogue, or an acceptance of risk), the ``justification`` it reads, the
    ``amount`` in francs when money is asked for (required for the two kinds of financing),
    and the officer's own ``position`` if any; for a pre-financing, the institution expected
    to pay later (``paying_institution``). The referral becomes a funding request of the
    legal commission (``commission.actions.file_referral``) in the same transaction: the
    officer puts it on a sitting like any other, and the dispute stays "referred" until the
    commission decides it (``commission.actions.decide_request`` settles it).
    """
    policy.require(by, "refer_dispute", dispute.case)  # the role first, then the input
    if kind not in ReferralKind.values:
        raise ActionRefused([_("Choose what the commission is asked to decide.")], field="kind")
    _required(justification=justification)
    if kind != ReferralKind.RISK and amount is None:
        raise ActionRefused([_("Give the amount the commission is asked to decide.")], field="amount")
    dispute = _take(
        dispute,
        "refer_dispute",
        by=by,
        event=events.DISPUTE_REFERRED,
        params={"kind": kind, "amount": str(amount) if amount is not None else "", "justification": justification.strip()},
        referral_kind=kind,
        referral_amount=amount,
        referral_justification=justification.strip(),
        position=position.strip(),
    )
    dispute.funding_request = commission_actions.file_referral(
        dispute,
        by=by,
        kind=kind,
        amount=amount,
        justification=justification.strip(),
        paying_institution=paying_institution,
    )
    dispute.save(update_fields=["funding_request"])
    return dispute
