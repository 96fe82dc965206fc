"""The only writers of the legal commission's and the fund's records (cases/models/commission.py).

Each action is atomic (``@action``), asks the policy (cases/flow/policy.py, section "the legal
commission and the fund"), locks the request it changes, writes the step to the case's
journal (``actions._journal`` with an event of cases/audit/events.py) and tells whoever waits
for it (``actions._notify``: the requester of a request sent back or decided).

``request_funding`` is a plain function (case, by=user, kind, amount, justification,
measure=None, ...): a case manager or coordinator calls it from the case, and a dispute
referred to the commission may call it too, with a proposed measure described in text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.acting import action
from cases.actions import _day, _journal, _notify, _store_file
from cases.audit import events
from cases.commission import fund, members
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import (
    APPROVING_OUTCOMES,
    SCHEDULABLE,
    Case,
    Decision,
    Dispute,
    DisputeState,
    FileCategory,
    Fund,
    FundingKind,
    FundingRequest,
    FundMovement,
    JournalKind,
    Measure,
    MovementKind,
    Outcome,
    RequestState,
    Sitting,
    SittingState,
)
from roles.models import Institution, User

# The fields of a request its requester fills in (and changes when it was sent back).
REQUEST_FIELDS = (
    "kind",
    "amount",
    "justification",
    "measure",
    "proposed_measure",
    "paying_institution",
    "no_catalogue_reason",
    "disclosure",
    "disclosure_reason",
)


def _checked(request: FundingRequest) -> None:
    """The request's own rules (``FundingRequest.clean``), as a refusal naming its fields."""
    try:
        request.full_clean(exclude=["case", "requester", "sitting"])
    except ValidationError as error:
        raise ActionRefused.from_validation_error(error) from None
    if request.measure_id and request.measure.plan.case_id != request.case_id:
        raise ActionRefused([_("The measure is not one of this case's action plan.")], field="measure")


def _attach(request: FundingRequest, uploads: Iterable, *, by: User) -> None:
    """The attachments of a request: kept with the case's files (checked by their content,
    cases/documents/uploads.py), linked to the request."""
    for upload in uploads:
        attachment = _store_file(
            request.case,
            upload,
            by=by,
            category=FileCategory.OTHER,
            description=_("Attachment of funding request %(number)s") % {"number": request.number},
            funding_request=request,
        )
        _journal(
            request.case,
            by,
            JournalKind.RECORD,
            event=events.FILE_ADDED,
            params={"category": attachment.category, "name": attachment.original_name},
        )


def _locked(request: FundingRequest) -> FundingRequest:
    """The request again, its row locked until the action ends (two officers, two members)."""
    return FundingRequest.objects.select_for_update(of=("self",)).select_related("case", "measure").get(pk=request.pk)


@action
def request_funding(
    case: Case,
    *,
    by: User,
    kind: str,
    amount: Decimal | None,
    justification: str,
    measure: Measure | None = None,
    proposed_measure: str = "",
    paying_institution: Institution | None = None,
    no_catalogue_reason: str = "",
    disclosure: Iterable[str] = (),
    disclosure_reason: str = "",
    uploads: Iterable = (),
) -> FundingRequest:
    """Ask the legal commission for a pre-financing, a subsidiary financing or a risk
    acceptance, for a measure of the plan or a proposed measure; the officer checks it next."""
    policy.require(by, "request_funding", case)
    return _file(
        case,
        by=by,
        kind=kind,
        amount=amount,
        justification=justification,
        measure=measure,
        proposed_measure=proposed_measure,
        paying_institution=paying_institution,
        no_catalogue_reason=no_catalogue_reason,
        disclosure=disclosure,
        disclosure_reason=disclosure_reason,
        uploads=uploads,
    )


def file_referral(
    dispute: Dispute, *, by: User, kind: str, amount: Decimal | None, justification: str, paying_institution=None
) -> FundingRequest:
    """The request a dispute referred to the commission becomes (seed 004: the officer refers
    a dispute not settled regionally). Called only by cases/disputes/actions.py
    ``refer_dispute_to_commission``, inside its transaction and after it asked the policy
    (``refer_dispute``): the officer is the requester, the measure is the dispute's proposal,
    and for a subsidiary financing the officer's justification says why no catalogue covers
    it. It waits on the officer's list like any submitted request."""
    return _file(
        dispute.case,
        by=by,
        kind=kind,
        amount=amount,
        justification=justification,
        proposed_measure=dispute.proposal,
        paying_institution=paying_institution,
        no_catalogue_reason=justification if kind == FundingKind.SUBSIDIARY else "",
    )


def _file(
    case: Case,
    *,
    by: User,
    kind: str,
    amount: Decimal | None,
    justification: str,
    measure: Measure | None = None,
    proposed_measure: str = "",
    paying_institution: Institution | None = None,
    no_catalogue_reason: str = "",
    disclosure: Iterable[str] = (),
    disclosure_reason: str = "",
    uploads: Iterable = (),
) -> FundingRequest:
    request = FundingRequest(
        case=case,
        requester=by,
        kind=kind,
        amount=amount if amount is not None else Decimal("0"),
        justification=justification.strip(),
        measure=measure,
        proposed_measure=proposed_measure.strip(),
        paying_institution=paying_institution if kind == FundingKind.PRE_FINANCING else None,
        no_catalogue_reason=no_catalogue_reason.strip(),
        disclosure=sorted(set(disclosure)),
        disclosure_reason=disclosure_reason.strip(),
        submitted_at=timezone.now(),
    )
    _checked(request)
    request.save()
    _journal(
        case,
        by,
        JournalKind.RECORD,
        event=events.FUNDING_REQUESTED,
        params={"number": request.number, "kind": kind, "amount": str(request.amount), "measure": request.measure_name},
    )
    _attach(request, uploads, by=by)
    return request


@action
def send_back_request(request: FundingRequest, *, by: User, reason: str) -> FundingRequest:
    """The officer sends a submitted request back to its requester, saying what is missing."""
    policy.require(by, "prepare_sittings")
    request = _locked(request)
    if request.state != RequestState.SUBMITTED:
        raise ActionRefused([_("Only a request waiting to be checked can be sent back.")])
    if not reason.strip():
        raise ActionRefused([_("Say why the request is sent back.")], field="reason")
    request.send_back()
    request.returned_reason = reason.strip()
    request.save()
    _journal(
        request.case, by, JournalKind.RECORD, reason.strip(), event=events.FUNDING_RETURNED, params={"number": request.number}
    )
    _notify(request.case, "funding_returned", by=by)
    return request


@action
def resubmit_request(request: FundingRequest, *, by: User, fields: dict, uploads: Iterable = ()) -> FundingRequest:
    """The requester submits a request that was sent back again, changed (``fields``: those
    of REQUEST_FIELDS)."""
    request = _locked(request)
    policy.require(by, "request_funding", request.case)
    if request.state != RequestState.RETURNED:
        raise ActionRefused([_("Only a request that was sent back is submitted again.")])
    for name, value in fields.items():
        if name not in REQUEST_FIELDS:
            raise ValueError(f"Not a field of the request: {name}")
        setattr(request, name, value.strip() if isinstance(value, str) else value)
    if request.kind != FundingKind.PRE_FINANCING:
        request.paying_institution = None
    request.resubmit()
    request.submitted_at = timezone.now()
    _checked(request)
    request.save()
    _journal(request.case, by, JournalKind.RECORD, event=events.FUNDING_RESUBMITTED, params={"number": request.number})
    _attach(request, uploads, by=by)
    return request


@action
def schedule_sitting(*, by: User, held_on: datetime.date, place: str) -> Sitting:
    """The officer schedules a sitting of the commission; requests are put on its agenda next."""
    policy.require(by, "prepare_sittings")
    if not place.strip():
        raise ActionRefused([_("Give the place of the sitting.")], field="place")
    return Sitting.objects.create(held_on=held_on, place=place.strip(), created_by=by)


@action
def put_on_agenda(request: FundingRequest, *, by: User, sitting: Sitting) -> FundingRequest:
    """The officer presents a checked (or deferred) request at a scheduled sitting: last on
    its agenda."""
    policy.require(by, "prepare_sittings")
    request = _locked(request)
    if request.state not in SCHEDULABLE:
        raise ActionRefused([_("Only a request checked by the officer, or deferred, is put on the agenda of a sitting.")])
    if sitting.state != SittingState.SCHEDULED:
        raise ActionRefused([_("This sitting was already held.")], field="sitting")
    last = FundingRequest.objects.filter(sitting=sitting).order_by("-agenda_position").values_list("agenda_position", flat=True)
    request.put_on_agenda()
    request.sitting = sitting
    request.agenda_position = (last.first() or 0) + 1
    request.save()
    _journal(
        request.case,
        by,
        JournalKind.RECORD,
        event=events.FUNDING_ON_AGENDA,
        params={"number": request.number, "date": _day(sitting.held_on)},
    )
    return request


def over_budget(request: FundingRequest, amount: Decimal | None, sitting: Sitting) -> Decimal | None:
    """By how much an approval of ``amount`` would go over what remains of the fund of the
    sitting's year (None: it would not)."""
    if not amount:
        return None
    remaining = fund.position(sitting.held_on.year).remaining
    return amount - remaining if amount > remaining else None


@action
def decide_request(
    request: FundingRequest,
    *,
    by: User,
    outcome: str,
    members_present: Iterable[User],
    amount: Decimal | None = None,
    conditions: str = "",
    reasons: str = "",
    confirm_over_budget: bool = False,
) -> Decision:
    """A member records the commission's decision on a request on the agenda. A member of an
    institution the request concerns cannot (recusal); the members present from such an
    institution are recorded as recused. Approving beyond what remains of the fund needs
    ``confirm_over_budget``. The requester is told, and the case's journal says it."""
    policy.require(by, "decide_funding")
    request = _locked(request)
    if request.state != RequestState.ON_AGENDA or request.sitting_id is None:
        raise ActionRefused([_("This request is not on the agenda of a sitting: there is nothing to decide.")])
    if members.recuses(by, request):
        raise ActionRefused(
            [
                _(
                    "You belong to an institution this request concerns: you recuse yourself and cannot decide it. "
                    "Another member records the decision."
                )
            ]
        )
    sitting = request.sitting
    if outcome not in Outcome.values:
        raise ActionRefused([_("Choose the decision.")], field="outcome")
    errors: dict[str, list[str]] = {}
    approving = outcome in APPROVING_OUTCOMES
    if approving and request.kind != FundingKind.RISK and not amount:
        errors["amount"] = [_("Give the amount granted.")]
    if outcome == Outcome.APPROVED_WITH_CHANGES and not conditions.strip():
        errors["conditions"] = [_("Say what the commission changed.")]
    if outcome == Outcome.REJECTED and not reasons.strip():
        errors["reasons"] = [_("Give the reasons of the rejection.")]
    present = {user.pk: user for user in members_present}
    present[by.pk] = by
    commission = set(members.commission_members().filter(pk__in=list(present)).values_list("pk", flat=True))
    if set(present) - commission:
        errors["members_present"] = [_("Only members of the legal commission are present at its sittings.")]
    excess = over_budget(request, amount, sitting) if approving else None
    if excess is not None and not confirm_over_budget:
        errors["confirm_over_budget"] = [
            _("This decision goes CHF %(excess)s over what remains of the fund: confirm it to decide anyway.")
            % {"excess": excess}
        ]
    if errors:
        raise ActionRefused.on_fields(errors)
    concerned = request.concerned_institutions()
    institutions = members.institutions_of(present.values())
    recused = [user for pk, user in present.items() if institutions[pk] & concerned]
    decision = Decision.objects.create(
        request=request,
        sitting=sitting,
        outcome=outcome,
        amount=amount if approving else None,
        conditions=conditions.strip(),
        reasons=reasons.strip(),
        over_budget=excess is not None,
        decided_by=by,
    )
    decision.members_present.set(list(present.values()))
    decision.recused.set(recused)
    sitting.members_present.add(*present.values())
    request.decide(outcome)
    if outcome == Outcome.DEFERRED:  # off this agenda, to be put on a later one
        request.sitting = None
        request.agenda_position = 0
    request.save()
    _settle_referred_dispute(request, by=by, outcome=outcome)
    names = sorted(user.get_full_name() or user.username for user in present.values())
    _journal(
        request.case,
        by,
        JournalKind.RECORD,
        "\n".join(text for text in (conditions.strip(), reasons.strip()) if text),
        event=events.FUNDING_DECIDED,
        params={
            "date": _day(sitting.held_on),
            "number": request.number,
            "outcome": outcome,
            "amount": str(decision.amount) if decision.amount is not None else "0",
            "present": names,
            "recused": sorted(user.get_full_name() or user.username for user in recused),
        },
    )
    _notify(request.case, "funding_decided", by=by)
    return decision


def _settle_referred_dispute(request: FundingRequest, *, by: User, outcome: str) -> None:
    """A dispute referred to the commission (``Dispute.funding_request``) is settled by its
    decision; a deferred request keeps it referred. The case's journal already tells the
    decision (FUNDING_DECIDED)."""
    dispute = Dispute.objects.select_for_update().filter(funding_request=request, state=DisputeState.REFERRED).first()
    if dispute is None or outcome == Outcome.DEFERRED:
        return
    dispute.commission_decides()
    dispute.closed_at = timezone.now()
    dispute.closed_by = by
    dispute.save()


@action
def mark_sitting_held(sitting: Sitting, *, by: User) -> Sitting:
    """The officer closes a sitting once held: nothing more is put on its agenda."""
    policy.require(by, "prepare_sittings")
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.state != SittingState.SCHEDULED:
        raise ActionRefused([_("This sitting was already held.")])
    if sitting.requests.filter(state=RequestState.ON_AGENDA).exists():
        raise ActionRefused([_("Some requests on the agenda wait for a decision (or deferral).")])
    sitting.close_sitting()
    sitting.save()
    return sitting


@action
def set_budget(*, by: User, year: int, budget: Decimal) -> Fund:
    """The officer sets (or changes) the budget of the fund of ``year`` (its change history
    keeps the earlier figures)."""
    policy.require(by, "manage_fund")
    if budget is None or budget < 0:
        raise ActionRefused([_("The budget is an amount of zero or more.")], field="budget")
    found, _created = Fund.objects.update_or_create(year=year, defaults={"budget": budget, "set_by": by})
    return found


@action
def record_movement(
    request: FundingRequest, *, by: User, kind: str, amount: Decimal, on: datetime.date, note: str = ""
) -> FundMovement:
    """The officer records a payment of the fund for an approved request, or a refund after a
    pre-financing (the institution paid later): in the fund of the year of the payment."""
    policy.require(by, "manage_fund")
    request = _locked(request)
    if request.state != RequestState.APPROVED:
        raise ActionRefused([_("Payments and refunds are recorded for approved requests only.")])
    if kind == MovementKind.REFUND and request.kind != FundingKind.PRE_FINANCING:
        raise ActionRefused([_("Only a pre-financing is refunded.")], field="kind")
    if not amount or amount <= 0:
        raise ActionRefused([_("Give an amount above zero.")], field="amount")
    the_fund = Fund.objects.filter(year=on.year).first()
    if the_fund is None:
        raise ActionRefused([_("Set the budget of the fund of %(year)s first.") % {"year": on.year}], field="on")
    movement = FundMovement.objects.create(
        fund=the_fund, request=request, kind=kind, amount=amount, on=on, note=note.strip(), recorded_by=by
    )
    _journal(
        request.case,
        by,
        JournalKind.RECORD,
        event=events.FUND_MOVEMENT,
        params={"kind": kind, "amount": str(amount), "date": _day(on), "number": request.number},
    )
    return movement
