"""Who may act on a case: role predicates that receive the case (used as the callable
``permission`` of each transition and by the record forms).

They read only ``user.active_memberships`` and the user's per-case grants (each loaded once
per request) and the case's own columns, so checking them for every button on a page runs
no further query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roles.models import Role

if TYPE_CHECKING:
    from cases.models import Case
    from roles.models import User

# Roles that may report (enter) a new case.
INTAKE_ROLES = (
    Role.OFFICER,
    Role.SECRETARIAT,
    Role.REGIONAL_COORDINATOR,
    Role.THEMATIC_COORDINATOR,
    Role.CONTACT_PERSON,
    Role.FRONTLINE,
)


def coordinates(user: User, *, region_id: int | None, theme_id: int | None) -> bool:
    """A case with a theme is followed by that theme's coordinator, any other case by the
    coordinator of its region."""
    for m in user.active_memberships:
        if theme_id is not None and m.role == Role.THEMATIC_COORDINATOR and m.theme_id == theme_id:
            return True
        if theme_id is None and m.role == Role.REGIONAL_COORDINATOR and m.region_id == region_id:
            return True
    return False


def can_coordinate(case: Case, user: User) -> bool:
    """The case's coordinator decides on round tables and assessments, designates the case
    manager with the team, validates plans and holds the quarterly progress meetings."""
    return coordinates(user, region_id=case.region_id, theme_id=case.theme_id)


def is_case_manager(case: Case, user: User) -> bool:
    """The case manager prepares the plan, records reviews and writes the exit report; a
    deputy granted by the coordinator acts as the case manager while the grant lasts."""
    from cases.flow.grants import is_deputy

    if case.case_manager_id is not None and case.case_manager_id == user.pk:
        return True
    return case.pk is not None and is_deputy(case.pk, user)


def can_interrupt(case: Case, user: User) -> bool:
    return can_coordinate(case, user) or is_case_manager(case, user)


def is_officer(user: User) -> bool:
    return user.has_role(Role.OFFICER)


def can_close(case: Case, user: User) -> bool:
    """The cantonal officer closes the dossier; four eyes: not the case's own case manager."""
    return is_officer(user) and not is_case_manager(case, user)


def can_report(user: User) -> bool:
    return user.has_role(*INTAKE_ROLES)


def can_write_journal(case: Case, user: User) -> bool:
    """Notes and minutes: the people working on the case."""
    return (
        can_coordinate(case, user)
        or is_case_manager(case, user)
        or is_officer(user)
        or user.has_role(Role.SECRETARIAT, Role.CONTACT_PERSON)
    )


def can_manage_grants(case: Case, user: User) -> bool:
    """The coordinator (or the cantonal officer) gives and revokes per-case access."""
    return can_coordinate(case, user) or is_officer(user)
