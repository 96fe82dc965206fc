"""E-mails that tell the network about a case: the end of the support (CII101 step 10).

Seed 004, the case manager's duties at the end of the support: "das betreffende Netzwerk
informieren … das IIZ-Büro bezüglich der Schliessung des Dossiers informieren". When the exit
report is submitted (``actions.submit_exit_report``), these are told by e-mail:

- the network: the IIZ contact persons of the institutions involved in the case, in the
  case's region (the contact persons who see the case, ``is_involved_contact`` in
  cases/flow/scope.py; a contact person of the same institution in another region does not);
- the IIZ office: the cantonal officers, who close the dossier (step 11).

The user who submits the report is not told what they just did. ``end_of_support_recipients``
names them (the action writes who in the journal: ``journal_params``, an event rendered in
each reader's language by cases/audit/events.py), ``send_end_of_support`` renders each
e-mail in its recipient's language and sends it; cases/tasks.py runs it once the submission
is committed, so a mail server that fails never undoes or breaks the submission.

The e-mail names no person: the case's reference, the outcome and the link to the case;
whoever may see the case reads the rest there.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from smtplib import SMTPException
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import mail
from cases.models import Case
from roles.models import Membership, Role, User

if TYPE_CHECKING:
    from roles.models import Institution

logger = logging.getLogger(__name__)

# Off while the demo data replay the past: nobody is told of a support that ended then.
SENDING: ContextVar[bool] = ContextVar("notices_sending", default=True)


@contextlib.contextmanager
def held_back():
    """Inside this block the actions send no e-mail to the network (the demo data)."""
    token = SENDING.set(False)
    try:
        yield
    finally:
        SENDING.reset(token)


def sending() -> bool:
    return SENDING.get()


def case_url(case: Case) -> str:
    return settings.IIZ_BASE_URL.rstrip("/") + case.get_absolute_url()


# --- who is told -----------------------------------------------------------------------------


@dataclass
class Recipients:
    """Who is told of the end of the support: the network (contact persons) and the
    cantonal officers with an e-mail address, and those who could not be told (none)."""

    network: list[User] = field(default_factory=list)
    officers: list[User] = field(default_factory=list)
    unreachable: list[User] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [user.pk for user in (*self.network, *self.officers)]


def _memberships(roles: Q):
    """The active memberships of active users that ``roles`` selects, users by name."""
    return (
        Membership.objects.active()
        .filter(roles, user__is_active=True)
        .select_related("user", "institution")
        .order_by("user__last_name", "user__first_name", "user_id", "pk")
    )


def _network_q(case: Case) -> Q:
    return Q(role=Role.CONTACT_PERSON, region_id=case.region_id, institution__in=case.institutions.values("pk"))


def end_of_support_recipients(case: Case, *, leaving_out: User | None = None) -> Recipients:
    """The contact persons of the institutions involved (in the case's region) and the
    cantonal officers, once each (an officer who is also a contact person is told as officer),
    without ``leaving_out`` (who submits the report). One query."""
    found = Recipients()
    officers: dict[int, User] = {}
    network: dict[int, User] = {}
    for membership in _memberships(Q(role=Role.OFFICER) | _network_q(case)):
        user = membership.user
        if leaving_out is not None and user.pk == leaving_out.pk:
            continue
        (officers if membership.role == Role.OFFICER else network).setdefault(user.pk, user)
    for user in officers.values():
        (found.officers if user.email else found.unreachable).append(user)
    for pk, user in network.items():
        if pk not in officers:
            (found.network if user.email else found.unreachable).append(user)
    return found


def _names(users: list[User]) -> list[str]:
    return [str(user) for user in users]


def journal_params(recipients: Recipients) -> dict[str, list[str]]:
    """What the case journal records: who is told of the end of the support by e-mail, and
    who could not be (event ``end_of_support_reported`` of cases/audit/events.py, shown in
    the reader's language)."""
    return {
        "network": _names(recipients.network),
        "officers": _names(recipients.officers),
        "unreachable": _names(recipients.unreachable),
    }


# --- the e-mail ------------------------------------------------------------------------------


def render_end_of_support(
    case: Case, recipient: User, *, submitted_by: User | None, officer: bool, institutions: list[Institution]
) -> tuple[str, str]:
    """Subject and body of the e-mail to ``recipient``, in the recipient's language; the
    body is plain text (emails/end_of_support.txt, rendered by cases/mail.py: nothing
    HTML-escaped)."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        report = case.records.exit_report
        submitted_at = report.submitted_at if report and report.submitted_at else case.exit_reported_at
        context = {
            "recipient": recipient,
            "case": case,
            "submitted_by": str(submitted_by) if submitted_by else "",
            "submitted_on": timezone.localdate(submitted_at) if submitted_at else None,
            "outcome": report.get_outcome_display() if report and report.outcome else "",
            "officer": officer,
            "institutions": ", ".join(institution.name for institution in institutions),
            "url": case_url(case),
        }
        subject = _("IIZ: end of the support in case %(reference)s") % {"reference": case.reference}
        body = mail.render_text("emails/end_of_support.txt", context)
    return subject, body


def send_end_of_support(case_id: int, recipient_ids: list[int], submitted_by_id: int | None = None) -> list[int]:
    """E-mail each recipient (still active, with an address) that the support of the case
    has ended, each in their language; return the ids of those whose e-mail failed (the task
    tries them again, and only them). A fixed number of queries, then one e-mail each over
    one connection."""
    case = Case.objects.select_related("exit_report").filter(pk=case_id).first()
    if case is None:
        return []
    users = list(User.objects.filter(pk__in=recipient_ids, is_active=True).exclude(email="").order_by("pk"))
    submitted_by = User.objects.filter(pk=submitted_by_id).first() if submitted_by_id else None
    roles = _memberships(Q(role=Role.OFFICER) | _network_q(case)).filter(user_id__in=[u.pk for u in users])
    officers: set[int] = set()
    institutions: dict[int, list[Institution]] = {}
    for membership in roles:
        if membership.role == Role.OFFICER:
            officers.add(membership.user_id)
        else:
            institutions.setdefault(membership.user_id, []).append(membership.institution)
    sent: set[int] = set()
    failed: list[int] = []
    try:
        with get_connection() as connection:
            for user in users:
                subject, body = render_end_of_support(
                    case,
                    user,
                    submitted_by=submitted_by,
                    officer=user.pk in officers,
                    institutions=institutions.get(user.pk, []),
                )
                try:
                    mail.send(user, subject, body, connection=connection)
                except (OSError, SMTPException) as error:
                    logger.warning("End of support of case %s: the e-mail to user %s failed: %s", case.reference, user.pk, error)
                    failed.append(user.pk)
                else:
                    sent.add(user.pk)
    except (OSError, SMTPException) as error:  # the connection could not be opened or closed
        logger.warning("End of support of case %s: no connection to the mail server: %s", case.reference, error)
        failed = [user.pk for user in users if user.pk not in sent]
    return failed
