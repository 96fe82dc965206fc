"""The one scoping rule: which cases a user sees, as a queryset (``visible_to``, used by every
list, page, search, download and export) and as predicates on one case (used by the policy,
the reminders and My tasks).

The predicates are ``rules`` predicates over (user, case): they compose with ``&``, ``|``
and ``~`` in cases/flow/policy.py. They read only ``user.active_memberships`` and the
user's per-case grants (each loaded once per request) and the case's own columns, so
checking them for every button of a page runs no further query; ``is_involved_contact``
reads the case's institutions (prefetched by the pages that ask it).
tests/cases/test_flow_scope.py checks, for every demo user and every demo case, that the
queryset and ``sees_case`` agree.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

import rules
from django.db import models
from django.db.models import Q

from cases.flow.grants import DEPUTY, active_grants
from roles.models import Role

if TYPE_CHECKING:
    from cases.models import Case
    from roles.models import User

# Roles that work with individual cases (they see personal data).
CASEWORK_ROLES = (
    Role.OFFICER,
    Role.SECRETARIAT,
    Role.REGIONAL_COORDINATOR,
    Role.THEMATIC_COORDINATOR,
    Role.CONTACT_PERSON,
    Role.FRONTLINE,
)
# Roles that may report (enter) a new case.
INTAKE_ROLES = CASEWORK_ROLES


def named(name: str, predicate: rules.Predicate) -> rules.Predicate:
    """``predicate`` under a name of its own (the policy's table in docs/permissions.md)."""
    return rules.Predicate(predicate, name=name)


def has_role(name: str, *roles: str) -> rules.Predicate:
    """A predicate on the user alone: one of ``roles`` in force today."""

    def check(user: User) -> bool:
        return user.has_role(*roles)

    return rules.Predicate(check, name=name)


is_officer = has_role("is_officer", Role.OFFICER)
is_secretariat = has_role("is_secretariat", Role.SECRETARIAT)
is_contact_person = has_role("is_contact_person", Role.CONTACT_PERSON)
is_coordinator = has_role("is_coordinator", Role.REGIONAL_COORDINATOR, Role.THEMATIC_COORDINATOR)
is_frontline = has_role("is_frontline", Role.FRONTLINE)
is_steering = has_role("is_steering", Role.STEERING)
# A member of the legal commission: sees the requests put to the commission, pseudonymised,
# never a case (cases/commission/).
is_commission_member = has_role("is_commission_member", Role.LEGAL)
has_casework_role = has_role("has_casework_role", *CASEWORK_ROLES)
has_intake_role = has_role("has_intake_role", *INTAKE_ROLES)
sees_every_case = named("sees_every_case", is_officer | is_secretariat)


@rules.predicate
def works_for_an_institution(user: User) -> bool:
    """The user holds a role in force for one of the partner institutions."""
    return any(m.institution_id is not None for m in user.active_memberships)


# --- who coordinates a case: one rule, three forms ------------------------------------------
# A case with a theme is followed by that theme's coordinator, any other case by the
# coordinator of its region. A "unit" names what a coordinator follows: ("theme", id) or
# ("region", id). The predicate ``coordinates``, the SQL filter ``unit_q`` (visible_to,
# coordinated_by) and the reminders' index of coordinators (cases/deadlines/reminders.py)
# all derive from these two functions.


def unit_of_case(region_id: int | None, theme_id: int | None) -> tuple[str, int | None]:
    return ("theme", theme_id) if theme_id is not None else ("region", region_id)


def unit_of_membership(role: str, region_id: int | None, theme_id: int | None) -> tuple[str, int | None] | None:
    """The unit a coordinator's membership follows (None: not a coordinator's membership)."""
    if role == Role.THEMATIC_COORDINATOR:
        return ("theme", theme_id)
    if role == Role.REGIONAL_COORDINATOR:
        return ("region", region_id)
    return None


def unit_q(unit: tuple[str, int | None]) -> Q:
    """The cases of a unit, in SQL."""
    kind, pk = unit
    return Q(theme_id=pk) if kind == "theme" else Q(region_id=pk, theme__isnull=True)


def unit_memberships_q(unit: tuple[str, int | None]) -> Q:
    """The coordinators' memberships that follow a unit, in SQL (on Membership)."""
    kind, pk = unit
    if kind == "theme":
        return Q(role=Role.THEMATIC_COORDINATOR, theme_id=pk)
    return Q(role=Role.REGIONAL_COORDINATOR, region_id=pk)


def coordinated_units(user: User) -> set[tuple[str, int | None]]:
    units = (unit_of_membership(m.role, m.region_id, m.theme_id) for m in user.active_memberships)
    return {unit for unit in units if unit is not None}


@rules.predicate
def coordinates(user: User, case: Case) -> bool:
    """The case's coordinator: decides on round tables and assessments, designates the case
    manager with the team, validates plans and holds the quarterly progress meetings."""
    return unit_of_case(case.region_id, case.theme_id) in coordinated_units(user)


# A case manager is always an IIZ contact person (CII101 step 3): the one designated by a
# round table or assessment, and a deputy.
can_be_case_manager = named("can_be_case_manager", is_contact_person)


@rules.predicate
def is_deputy(user: User, case: Case) -> bool:
    """A deputy case manager by a grant in force (during an absence)."""
    return case.pk is not None and DEPUTY in active_grants(user).get(case.pk, ())


@rules.predicate
def is_named_case_manager(user: User, case: Case) -> bool:
    return case.case_manager_id is not None and case.case_manager_id == user.pk


# The case manager prepares the plan, records reviews and writes the exit report; a deputy
# granted by the coordinator acts as the case manager while the grant lasts.
manages = named("manages", is_named_case_manager | is_deputy)


@rules.predicate
def has_no_case_manager(user: User, case: Case) -> bool:
    return case.case_manager_id is None


@rules.predicate
def is_involved_contact(user: User, case: Case) -> bool:
    """An IIZ contact person of an institution involved in the case, in the case's region."""
    memberships = [m for m in user.active_memberships if m.role == Role.CONTACT_PERSON and m.region_id == case.region_id]
    if not memberships or case.pk is None:
        return False
    involved = {institution.pk for institution in case.institutions.all()}
    return any(m.institution_id in involved for m in memberships)


@rules.predicate
def reported_it(user: User, case: Case) -> bool:
    """The front-line worker who reported the case."""
    return case.reported_by_id == user.pk and user.has_role(Role.FRONTLINE)


@rules.predicate
def reports_it_still(user: User, case: Case) -> bool:
    """Whoever reported the case, until the coordinator takes it on (a round table or an
    assessment): the reporter may still correct what was reported."""
    return case.reported_by_id == user.pk and case.state == "reported"


@rules.predicate
def is_granted(user: User, case: Case) -> bool:
    """Any per-case grant in force (deputy case manager, case shared with the user)."""
    return case.pk is not None and case.pk in active_grants(user)


@rules.predicate
def is_active_user(user: User) -> bool:
    return user.is_authenticated and user.is_active


# Who corrects the person's data and the facts of a case: the people in charge of it, and
# the reporter until the coordinator takes it on.
can_correct_case = named("can_correct_case", coordinates | manages | is_officer | reports_it_still)

# Who sees a case: the same rule as CaseQuerySet.visible_to, one case at a time.
sees_case = named(
    "sees_case",
    is_active_user & (sees_every_case | is_named_case_manager | is_granted | coordinates | is_involved_contact | reported_it),
)


# Who sees a case without any grant: a read-only grant is then the only way to it.
sees_case_by_role = named(
    "sees_case_by_role", sees_every_case | is_named_case_manager | coordinates | is_involved_contact | reported_it
)


@rules.predicate
def reads_only(user: User, case: Case) -> bool:
    """The user reaches the case only through a read-only grant (a case shared with them):
    they read it and write nothing in it."""
    if case is None or case.pk is None or sees_every_case.test(user) or is_named_case_manager.test(user, case):
        return False
    permissions = active_grants(user).get(case.pk)
    if not permissions or DEPUTY in permissions:
        return False
    return not sees_case_by_role.test(user, case)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CaseQuerySet:
        """Cases the user may see, from the memberships in force today:

        - cantonal officer and secretariat: every case;
        - regional coordinator: the cases of the region that have no theme;
        - thematic coordinator: the cases of the theme;
        - IIZ contact person: the cases of the region in which the institution is involved;
        - front-line worker: the cases the user reported;
        - case manager: the user's own caseload (whatever the memberships);
        - anyone with a per-case grant in force (deputy case manager, case shared);
        - legal commission and steering boards: no case (aggregates only).
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_case.test(user):
            return self.all()
        through = self.model.institutions.through
        scope = Q(case_manager=user)
        granted = active_grants(user)
        if granted:
            scope |= Q(pk__in=list(granted))
        if coordinated_units(user):
            scope |= units_q(user)
        if is_contact_person.test(user):
            scope |= involved_contact_q(user, through)
        if is_frontline.test(user):
            scope |= Q(reported_by=user)
        return self.filter(scope)


def involved_contact_q(user: User, through=None) -> Q:
    """The cases in which the user is an involved contact person (``is_involved_contact`` in
    SQL): of the region of a contact person's membership, with its institution involved.
    Matches nothing for a user who is no contact person."""
    if through is None:
        from cases.models import Case

        through = Case.institutions.through
    found = [
        Q(region_id=m.region_id, pk__in=through.objects.filter(institution_id=m.institution_id).values("case_id"))
        for m in user.active_memberships
        if m.role == Role.CONTACT_PERSON
    ]
    # Without one: nothing (a real condition, so that it also compiles in a subquery).
    return reduce(or_, found) if found else Q(pk__isnull=True)


def units_q(user: User) -> Q:
    """The cases of the units (regions, themes) the user coordinates, in SQL (the clause of
    ``visible_to`` that ``coordinates`` tests); nothing for a user who coordinates none."""
    found = [unit_q(unit) for unit in sorted(coordinated_units(user), key=str)]
    return reduce(or_, found) if found else Q(pk__isnull=True)


def managed_q(user: User) -> Q:
    """The cases the user manages (``manages`` in SQL): as case manager, or as deputy by a
    grant in force (the grants loaded once per request: a list of ids, most often none, keeps
    the filter on the index of the case manager)."""
    deputising = [case_id for case_id, perms in active_grants(user).items() if DEPUTY in perms]
    return Q(case_manager=user) | Q(pk__in=deputising)


def coordinated_q(user: User) -> Q:
    """The cases whose coordinator's deadlines are the user's (``is_responsible_coordinator``
    in SQL): those naming the user as coordinator, and those naming none in a unit the user
    coordinates."""
    mine = Q(coordinator=user)
    for unit in coordinated_units(user):
        mine |= Q(coordinator__isnull=True) & unit_q(unit)
    return mine


def is_responsible_coordinator(user: User, case: Case) -> bool:
    """The coordinator the coordinator's deadlines of ``case`` are for: the one the case
    names, or without one whoever ``coordinates`` it (the SQL twin: ``coordinated_by``)."""
    if case.coordinator_id is not None:
        return case.coordinator_id == user.pk
    return coordinates.test(user, case)
