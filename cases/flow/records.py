"""Cached access to the records of a case that the flow rules read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from cases.models import ActionPlan, Case, ExitReport, Meeting, ResourcesSheet


class CaseRecords:
    """Loads each record once per case object. After changing records, an action calls
    ``case.refresh_records()`` so guards see the new state."""

    def __init__(self, case: Case):
        self.case = case

    @cached_property
    def last_meeting(self) -> Meeting | None:
        return self.case.meetings.select_related("designated_cm").order_by("-pk").first()

    @cached_property
    def current_plan(self) -> ActionPlan | None:
        """The newest version with its goals and its measures (these with their institution,
        catalogue entry and employer joined in): three queries, however many measures."""
        from django.db.models import Prefetch

        from cases.models import Measure

        measures = Measure.objects.select_related("responsible_institution", "catalogue_measure", "employer_contact")
        return (
            self.case.plans.select_related("author", "submitted_by", "validator")
            .prefetch_related("goals", Prefetch("measures", queryset=measures))
            .order_by("-version")
            .first()
        )

    @cached_property
    def exit_report(self) -> ExitReport | None:
        try:
            return self.case.exit_report
        except ObjectDoesNotExist:
            return None

    @cached_property
    def resources_sheet(self) -> ResourcesSheet | None:
        """The person's resources data sheet (no query when the case was loaded with
        ``select_related("resources_sheet")``)."""
        try:
            return self.case.resources_sheet
        except ObjectDoesNotExist:
            return None
