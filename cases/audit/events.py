"""The texts the application writes into the case journal, in the reader's language.

An action does not store a sentence in the language of whoever acted: it stores an event
code and its parameters (``JournalEntry.event``, ``JournalEntry.params``), and this catalogue
renders them when the entry is read (the case page's timeline, the right-of-access export,
the admin), in the active language. Parameters that are themselves words are stored as codes
(a meeting kind, a file category, a print mark, field names), dates as ISO dates formatted in
the reader's locale, institutions with both their abbreviations; names of people and what
users typed stay as they are. What users write themselves (notes, minutes, reasons,
comments) is the entry's ``text``, never translated.

Migration cases/migrations/0019_journal_events.py turned the sentences of the earlier rows
into these codes; it keeps its own frozen copy of the templates below.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.flow.grants import grant_label
from cases.models import (
    Case,
    ChecklistItem,
    DisputeSubject,
    ExchangeKind,
    FileCategory,
    FundingKind,
    MeetingKind,
    MovementKind,
    Outcome,
    Person,
    PrintDocument,
    PrintMarkKind,
    ReferralKind,
    Reply,
    ScheduledKind,
)

if TYPE_CHECKING:
    from cases.models import JournalEntry


# --- how a parameter is shown -----------------------------------------------------------------


def as_text(value: Any) -> str:
    return str(value)


def as_date(value: str) -> str:
    """An ISO date in the reader's short date format."""
    try:
        return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def as_amount(value: str) -> str:
    """An amount in CHF (kept as its decimal text) in the reader's number format."""
    from decimal import Decimal, InvalidOperation

    try:
        return formats.localize(Decimal(value), use_l10n=True)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def as_chf(value: str | None) -> str:
    """An amount in francs kept as a decimal string, in the reader's number format."""
    if not value:
        return "—"
    try:
        return "CHF " + formats.number_format(decimal.Decimal(value), 2, use_l10n=True, force_grouping=True)
    except (decimal.InvalidOperation, TypeError, ValueError):
        return str(value)


def as_datetime(value: str) -> str:
    """An ISO date and time in the reader's short format, local time."""
    from django.utils import timezone

    try:
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def as_names(value: list[str]) -> str:
    return ", ".join(str(name) for name in value)


def _choice(choices) -> Callable[[str], str]:
    def label(value: str) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def as_grant(value: str) -> str:
    return str(grant_label(value))


def bilingual(value: dict) -> str:
    """A name kept in both languages (``{"de": ..., "fr": ...}``), in the active one."""
    if not isinstance(value, dict):
        return str(value)
    return value.get("fr" if translation.get_language() == "fr" else "de") or value.get("de") or ""


def as_institutions(value: list[dict]) -> str:
    return ", ".join(sorted(bilingual(item) for item in value))


def institution_names(institutions) -> list[dict]:
    """Institutions as the journal keeps them: both abbreviations (shown in the reader's)."""
    return [{"de": i.short_de, "fr": i.short_fr} for i in institutions]


def _field_labels(model) -> Callable[[list[str]], str]:
    def labels(names: list[str]) -> str:
        shown = []
        for name in names:
            if model is Case and name == "institutions":
                shown.append(gettext("institutions involved"))  # as it always read: lower case
                continue
            try:
                shown.append(str(capfirst(model._meta.get_field(name).verbose_name)))
            except FieldDoesNotExist:  # a field that no longer exists: its name
                shown.append(name)
        return ", ".join(shown)

    return labels


def as_documents(value: list[dict]) -> str:
    """Documents of the print queue: a plan version, or the kind of document."""
    shown = []
    for item in value:
        if item.get("version"):
            shown.append(gettext("Action plan v%(version)s") % {"version": item["version"]})
        else:
            shown.append(_choice(PrintDocument)(item.get("document", "")))
    return ", ".join(shown)


# --- the catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One kind of generated text: its template (a msgid with ``%(name)s`` placeholders) and
    how each parameter is shown."""

    template: Any
    params: dict[str, Callable[[Any], str]] = field(default_factory=dict)

    def render(self, params: dict) -> str:
        values = {name: show(params[name]) if name in params else "—" for name, show in self.params.items()}
        return str(self.template) % values if values else str(self.template)


@dataclass(frozen=True)
class EndOfSupport(Event):
    """Who was told by e-mail of the end of the support (cases/notices.py): four sentences,
    depending on who could be told, and those without an e-mail address."""

    template: Any = ""

    def render(self, params: dict) -> str:
        network, officers = as_names(params.get("network", [])), as_names(params.get("officers", []))
        if network and officers:
            text = gettext(
                "End of the support reported by e-mail to the network, the IIZ contact persons of the institutions "
                "involved (%(network)s), and to the cantonal IIZ officer (%(officer)s)."
            ) % {"network": network, "officer": officers}
        elif network:
            text = gettext(
                "End of the support reported by e-mail to the network, the IIZ contact persons of the institutions "
                "involved (%(network)s). No cantonal IIZ officer could be informed."
            ) % {"network": network}
        elif officers:
            text = gettext(
                "End of the support reported by e-mail to the cantonal IIZ officer (%(officer)s). No other IIZ contact "
                "person of the institutions involved could be informed."
            ) % {"officer": officers}
        else:
            text = gettext(
                "End of the support: nobody could be informed by e-mail, neither an IIZ contact person of the "
                "institutions involved nor a cantonal IIZ officer."
            )
        if params.get("unreachable"):
            text += " " + gettext("Without an e-mail address, not informed: %(names)s.") % {
                "names": as_names(params["unreachable"])
            }
        return text


@dataclass(frozen=True)
class FundingDecided(Event):
    """A decision of the legal commission, and the members who recused themselves if any."""

    def render(self, params: dict) -> str:
        text = super().render(params)
        if params.get("recused"):
            text += " " + gettext("Recused: %(names)s.") % {"names": as_names(params["recused"])}
        return text


MEETING_RECORDED = "meeting_recorded"
MEETING_UPDATED = "meeting_updated"
CASE_MANAGER_DESIGNATED = "case_manager_designated"
FIRST_MEETING = "first_meeting"
PLAN_SAVED = "plan_saved"
PLAN_SENT_BACK = "plan_sent_back"
RESOURCES_RECORDED = "resources_recorded"
RESOURCES_UPDATED = "resources_updated"
POA_RECORDED = "poa_recorded"
EXIT_REPORT_SAVED = "exit_report_saved"
END_OF_SUPPORT_REPORTED = "end_of_support_reported"
ACCESS_GIVEN = "access_given"
ACCESS_REVOKED = "access_revoked"
SIGNED_PLAN_FILED = "signed_plan_filed"
SIGNED_POA_FILED = "signed_poa_filed"
CLOSURE_LETTER_FILED = "closure_letter_filed"
FILE_ADDED = "file_added"
FILE_WITHDRAWN = "file_withdrawn"
DOCUMENTS_MARKED = "documents_marked"
PERSON_CORRECTED = "person_corrected"
INSTITUTIONS_CHANGED = "institutions_changed"
CASE_FACTS_CORRECTED = "case_facts_corrected"
CASE_MANAGER_REPLACED = "case_manager_replaced"
RETENTION_HELD = "retention_held"
RETENTION_RELEASED = "retention_released"
CASE_ANONYMISED = "case_anonymised"
FUNDING_REQUESTED = "funding_requested"
FUNDING_RETURNED = "funding_returned"
FUNDING_RESUBMITTED = "funding_resubmitted"
FUNDING_ON_AGENDA = "funding_on_agenda"
FUNDING_DECIDED = "funding_decided"
FUND_MOVEMENT = "fund_movement"
DISPUTE_RECORDED = "dispute_recorded"
DISPUTE_EXCHANGE_HELD = "dispute_exchange_held"
DISPUTE_SETTLED = "dispute_settled"
DISPUTE_ESCALATED = "dispute_escalated"
DISPUTE_POSITION_TAKEN = "dispute_position_taken"
DISPUTE_REFERRED = "dispute_referred"
MEETING_SCHEDULED = "meeting_scheduled"
MEETING_RESCHEDULED = "meeting_rescheduled"
MEETING_CANCELLED = "meeting_cancelled"
MEETING_HELD = "meeting_held"
CHECKLIST_TICKED = "checklist_ticked"
REPLY_RECORDED = "reply_recorded"

EVENTS: dict[str, Event] = {
    MEETING_RECORDED: Event(_("%(meeting)s recorded"), {"meeting": _choice(MeetingKind)}),
    MEETING_UPDATED: Event(_("%(meeting)s updated"), {"meeting": _choice(MeetingKind)}),
    CASE_MANAGER_DESIGNATED: Event(_("Case manager: %(name)s"), {"name": as_text}),
    FIRST_MEETING: Event(_("First meeting with the person on %(date)s"), {"date": as_date}),
    PLAN_SAVED: Event(_("Action plan v%(version)s saved"), {"version": as_text}),
    # After the coordinator's reasons (the entry's text).
    PLAN_SENT_BACK: Event(_("Other options proposed: %(options)s"), {"options": as_text}),
    RESOURCES_RECORDED: Event(_("Resources data sheet recorded")),
    RESOURCES_UPDATED: Event(_("Resources data sheet updated")),
    POA_RECORDED: Event(_("Power of attorney signed on %(date)s, valid until %(until)s"), {"date": as_date, "until": as_date}),
    EXIT_REPORT_SAVED: Event(_("Exit report saved")),
    END_OF_SUPPORT_REPORTED: EndOfSupport(params={"network": as_names, "officers": as_names, "unreachable": as_names}),
    ACCESS_GIVEN: Event(
        _("Access given to %(user)s (%(kind)s) until %(date)s: %(reason)s"),
        {"user": as_text, "kind": as_grant, "date": as_date, "reason": as_text},
    ),
    ACCESS_REVOKED: Event(_("Access of %(user)s (%(kind)s) revoked"), {"user": as_text, "kind": as_grant}),
    SIGNED_PLAN_FILED: Event(
        _("Signed action plan v%(version)s filed (signed in %(place)s on %(person)s and %(cm)s)"),
        {"version": as_text, "place": as_text, "person": as_date, "cm": as_date},
    ),
    SIGNED_POA_FILED: Event(_("Signed power of attorney of %(date)s filed"), {"date": as_date}),
    CLOSURE_LETTER_FILED: Event(_("Copy of the closure letter filed")),
    FILE_ADDED: Event(_("File added: %(category)s, %(name)s"), {"category": _choice(FileCategory), "name": as_text}),
    FILE_WITHDRAWN: Event(_("File withdrawn: %(name)s (%(reason)s)"), {"name": as_text, "reason": as_text}),
    DOCUMENTS_MARKED: Event(_("%(documents)s: %(mark)s"), {"documents": as_documents, "mark": _choice(PrintMarkKind)}),
    PERSON_CORRECTED: Event(_("Person's data corrected: %(fields)s"), {"fields": _field_labels(Person)}),
    INSTITUTIONS_CHANGED: Event(
        _("Institutions involved: %(before)s → %(after)s"), {"before": as_institutions, "after": as_institutions}
    ),
    CASE_FACTS_CORRECTED: Event(_("Facts of the case corrected: %(fields)s"), {"fields": _field_labels(Case)}),
    CASE_MANAGER_REPLACED: Event(
        _("Case manager replaced: %(previous)s → %(new)s. Reason: %(reason)s"),
        {"previous": as_text, "new": as_text, "reason": as_text},
    ),
    # The retention of a closed case (cases/retention): the hold's reason is the entry's text.
    RETENTION_HELD: Event(_("Kept past the retention period")),
    RETENTION_RELEASED: Event(_("No longer kept past the retention period")),
    CASE_ANONYMISED: Event(
        _("Personal data removed, %(years)s years after the end of the case; the statistics are kept"), {"years": as_text}
    ),
    # The legal commission and the fund (cases/commission/): amounts in CHF as entered.
    FUNDING_REQUESTED: Event(
        _("Funding request %(number)s to the legal commission: %(kind)s, CHF %(amount)s, for %(measure)s"),
        {"number": as_text, "kind": _choice(FundingKind), "amount": as_amount, "measure": as_text},
    ),
    # After the officer's reason (the entry's text).
    FUNDING_RETURNED: Event(_("Funding request %(number)s sent back to the requester"), {"number": as_text}),
    FUNDING_RESUBMITTED: Event(_("Funding request %(number)s submitted again"), {"number": as_text}),
    FUNDING_ON_AGENDA: Event(
        _("Funding request %(number)s put on the agenda of the legal commission's sitting of %(date)s"),
        {"number": as_text, "date": as_date},
    ),
    # After the conditions and reasons (the entry's text).
    FUNDING_DECIDED: FundingDecided(
        _(
            "Legal commission, sitting of %(date)s: funding request %(number)s %(outcome)s, CHF %(amount)s. "
            "Members present: %(present)s."
        ),
        {"date": as_date, "number": as_text, "outcome": _choice(Outcome), "amount": as_amount, "present": as_names},
    ),
    FUND_MOVEMENT: Event(
        _("Employment fund: %(kind)s of CHF %(amount)s on %(date)s for funding request %(number)s"),
        {"kind": _choice(MovementKind), "amount": as_amount, "date": as_date, "number": as_text},
    ),
    DISPUTE_RECORDED: Event(
        _("Dispute recorded between %(institutions)s about %(subject)s. Proposal: %(proposal)s"),
        {"institutions": as_institutions, "subject": _choice(DisputeSubject), "proposal": as_text},
    ),
    DISPUTE_EXCHANGE_HELD: Event(
        _("Dispute: %(meeting)s held on %(date)s. Outcome: %(outcome)s"),
        {"meeting": _choice(ExchangeKind), "date": as_date, "outcome": as_text},
    ),
    DISPUTE_SETTLED: Event(_("Dispute settled regionally: %(settlement)s"), {"settlement": as_text}),
    DISPUTE_ESCALATED: Event(_("Dispute escalated to the cantonal officer: %(reason)s"), {"reason": as_text}),
    DISPUTE_POSITION_TAKEN: Event(
        _("Dispute settled by the position of the cantonal officer: %(position)s"), {"position": as_text}
    ),
    DISPUTE_REFERRED: Event(
        _("Dispute referred to the legal commission (%(kind)s, %(amount)s): %(justification)s"),
        {"kind": _choice(ReferralKind), "amount": as_chf, "justification": as_text},
    ),
    # cases/scheduling: the meetings with a date and their invitations.
    MEETING_SCHEDULED: Event(
        _("%(meeting)s scheduled for %(date)s, invitations sent"), {"meeting": _choice(ScheduledKind), "date": as_datetime}
    ),
    MEETING_RESCHEDULED: Event(
        _("%(meeting)s moved to %(date)s, new invitations sent"), {"meeting": _choice(ScheduledKind), "date": as_datetime}
    ),
    MEETING_CANCELLED: Event(
        _("%(meeting)s of %(date)s cancelled, the invited told"), {"meeting": _choice(ScheduledKind), "date": as_datetime}
    ),
    MEETING_HELD: Event(_("%(meeting)s of %(date)s held"), {"meeting": _choice(ScheduledKind), "date": as_datetime}),
    CHECKLIST_TICKED: Event(_("Checked before the meeting: %(item)s"), {"item": _choice(ChecklistItem)}),
    REPLY_RECORDED: Event(_("Reply of %(name)s to the invitation: %(reply)s"), {"name": as_text, "reply": _choice(Reply)}),
}


def describe(code: str, params: dict | None = None) -> str:
    """The text of event ``code`` with ``params``, in the active language (an unknown code,
    kept from a later version, as it is)."""
    event = EVENTS.get(code)
    return event.render(params or {}) if event is not None else code


def render(entry: JournalEntry) -> str:
    """What a journal entry says, in the active language: what the user wrote, then the text
    of its event. Runs no query."""
    line = describe(entry.event, entry.params) if entry.event else ""
    return "\n".join(part for part in (entry.text, line) if part)
