"""The conferences (Tagungen) the secretariat organises (seed 004, issue 16 point 8): the only
writers of Conference and Registration. Each action is atomic, asks the policy and is
written to the accounting log (cases/accounting/actions.py: ``log``). The participant list
PDF is rendered by cases/documents/rendering.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.accounting.actions import log
from cases.acting import action
from cases.flow import policy
from cases.flow.policy import ActionRefused
from cases.models import Conference, Registration
from roles.models import User


@action
def save_conference(conference: Conference, *, by: User) -> Conference:
    """Create or change a conference (title, date, place, description, places)."""
    policy.require(by, "organise_conferences")
    if conference.pk is None:
        conference.created_by = by
    try:
        conference.full_clean()
    except ValidationError as error:
        raise ActionRefused.from_validation_error(error) from None
    if conference.capacity is not None and conference.pk is not None and conference.registrations.count() > conference.capacity:
        raise ActionRefused([_("More people have registered than this number of places.")], field="capacity")
    conference.save()
    log(by, "conference_saved", title=conference.title, conference=conference.pk)
    return conference


@action
def register(conference: Conference, *, by: User, participant: User | None = None) -> Registration:
    """Register ``participant`` (``by`` themselves when None). Registering someone else is
    the organisers' work; a full conference takes nobody more."""
    participant = participant or by
    policy.require(by, "register_for_conference" if participant == by else "organise_conferences")
    conference = Conference.objects.select_for_update().get(pk=conference.pk)  # the places are counted once at a time
    if not policy.permits(participant, "register_for_conference"):
        raise ActionRefused([_("Only the staff of the partner institutions register for a conference.")], field="participant")
    if conference.capacity is not None and conference.registrations.count() >= conference.capacity:
        raise ActionRefused([_("This conference is full.")])
    try:
        with transaction.atomic():
            registration = Registration.objects.create(conference=conference, participant=participant, registered_by=by)
    except IntegrityError:
        raise ActionRefused([_("%(name)s is registered already.") % {"name": participant}]) from None
    log(by, "registered", participant=str(participant), title=conference.title, conference=conference.pk)
    return registration


@action
def unregister(conference: Conference, *, by: User, participant: User | None = None) -> None:
    """Take ``participant`` (``by`` themselves when None) off the list."""
    participant = participant or by
    policy.require(by, "register_for_conference" if participant == by else "organise_conferences")
    deleted, _rows = Registration.objects.filter(conference=conference, participant=participant).delete()
    if not deleted:
        raise ActionRefused([_("%(name)s is not registered.") % {"name": participant}])
    log(by, "unregistered", participant=str(participant), title=conference.title, conference=conference.pk)
