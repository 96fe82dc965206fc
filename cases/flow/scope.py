"""The one scoping rule: which cases a user may see (used by every list, page, search,
download and export)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from roles.models import Role

if TYPE_CHECKING:
    from roles.models import User


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
        roles = user.active_roles
        if Role.OFFICER in roles or Role.SECRETARIAT in roles:
            return self.all()
        from cases.flow.grants import active_grants

        through = self.model.institutions.through
        scope = Q(case_manager=user)
        granted = active_grants(user)
        if granted:
            scope |= Q(pk__in=list(granted))
        for m in user.active_memberships:
            if m.role == Role.REGIONAL_COORDINATOR:
                scope |= Q(region_id=m.region_id, theme__isnull=True)
            elif m.role == Role.THEMATIC_COORDINATOR:
                scope |= Q(theme_id=m.theme_id)
            elif m.role == Role.CONTACT_PERSON:
                involved = through.objects.filter(institution_id=m.institution_id).values("case_id")
                scope |= Q(region_id=m.region_id, pk__in=involved)
            elif m.role == Role.FRONTLINE:
                scope |= Q(reported_by=user)
        return self.filter(scope)
