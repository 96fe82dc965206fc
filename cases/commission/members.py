"""What the members of the legal commission see: the requests put to the commission, each
pseudonymised (seed 004: only what the decision needs), and who the members are.

A member sees a request once the officer has put it on the agenda of a sitting, and from then
on (its decisions stay in the sittings' minutes); never the case itself. Of the case they see
its reference, the person's year of birth, the region and theme, the goals of the action
plan, the measure, the amount, the justification and the attachments. The person's name, AHV
number, address or situation (the reason for the report, with its health details) only when
the request names them with a reason (``FundingRequest.disclosure``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, Subquery

from cases.models import Decision, Disclosure, FundingRequest, Goal, RequestState
from roles.models import Membership, Role, User

if TYPE_CHECKING:
    from django.db.models import QuerySet


def member_institutions(user: User) -> set[int]:
    """The institutions a member of the commission comes from (their legal memberships)."""
    return {m.institution_id for m in user.active_memberships if m.role == Role.LEGAL and m.institution_id}


def recuses(user: User, request: FundingRequest) -> bool:
    """A member of an institution the request concerns takes no part in its decision."""
    return bool(member_institutions(user) & request.concerned_institutions())


def commission_members() -> QuerySet[User]:
    """The members of the legal commission today."""
    members = Membership.objects.active().filter(role=Role.LEGAL).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("last_name", "first_name", "pk")


def institutions_of(users) -> dict[int, set[int]]:
    """{user id: the institutions of their legal memberships} in one query."""
    found: dict[int, set[int]] = {user.pk: set() for user in users}
    rows = Membership.objects.active().filter(role=Role.LEGAL, user__in=list(found), institution__isnull=False)
    for user_id, institution_id in rows.values_list("user_id", "institution_id"):
        found[user_id].add(institution_id)
    return found


def visible_to_members() -> QuerySet[FundingRequest]:
    """The requests the commission's members see: on an agenda, or decided at a sitting."""
    decided = Decision.objects.filter(request=OuterRef("pk"))
    return FundingRequest.objects.filter(Q(state=RequestState.ON_AGENDA) | Exists(decided))


def pseudonymised(request: FundingRequest) -> dict:
    """What a member sees of ``request`` (the case, its person, region and theme, the measure
    and its institution, the paying institution loaded with it)."""
    case = request.case
    person = case.person
    newest = case.plans.order_by("-version").values("version")[:1]
    shown = {
        "reference": case.reference,
        "birth_year": str(person.birth_date.year),
        "region": case.region,
        "theme": case.theme,
        # The goals of the current plan alone (one query): the member sees nothing else of it.
        "goals": list(Goal.objects.filter(plan__case=case, plan__version=Subquery(newest)).values_list("text", flat=True)),
    }
    disclosed = []
    for item in request.disclosure:
        if item == Disclosure.NAME:
            disclosed.append((Disclosure.NAME.label, person.full_name))
        elif item == Disclosure.AHV:
            disclosed.append((Disclosure.AHV.label, person.ahv_number or "—"))
        elif item == Disclosure.ADDRESS:
            address = [person.street, f"{person.postcode} {person.city}".strip()]
            disclosed.append((Disclosure.ADDRESS.label, ", ".join(line for line in address if line) or "—"))
        elif item == Disclosure.SITUATION:
            disclosed.append((Disclosure.SITUATION.label, case.reason))
    shown["disclosed"] = disclosed
    return shown
