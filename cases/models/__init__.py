"""The records of one IIZ case along the CII101 process.

- person.py: the beneficiary (Person)
- case.py: the case and its state machine (Case, CaseState)
- meetings.py: round tables and assessments
- plans.py: action plans with versions, goals and measures; catalogue of measures
- resources.py: the resources data sheet (Datenblatt Ressourcen) of a case
- reviews.py: reviews and powers of attorney
- closure.py: exit report and closure
- journal.py: the case journal (timeline of everything that happened)
- notifications.py: what users are told of the events they wait for (the bell, e-mails)
- accounting.py: cost shares, billable costs, invoices, credit notes, the accounting log
- conferences.py: the conferences (Tagungen) and their registrations
- files.py: attachments and signed scans, print-queue marks, the documents' letterhead
"""

from cases.models.access import AccessKind, AccessLog, CaseGrant
from cases.models.accounting import (
    OPEN_INVOICE_STATES,
    AccountingEntry,
    Cost,
    CostKind,
    CostShare,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceState,
    NumberCounter,
)
from cases.models.case import Case, CaseState, ReferenceCounter
from cases.models.catalogue import CatalogueMeasure, EmployerContact
from cases.models.closure import Closure, ExitOutcome, ExitReport, InterruptionReason
from cases.models.conferences import Conference, Registration
from cases.models.files import CaseFile, FileCategory, Letterhead, PrintDocument, PrintMark, PrintMarkKind
from cases.models.journal import JournalEntry, JournalKind
from cases.models.meetings import Meeting, MeetingDecision, MeetingKind, MeetingParticipant
from cases.models.notifications import EmailState, Notification
from cases.models.person import Person, Sex
from cases.models.plans import ActionPlan, Goal, Measure, MeasureStatus, PlanStatus
from cases.models.reminders import Reminder, ReminderKind
from cases.models.resources import ResourcesSheet
from cases.models.reviews import MeasureProgress, PoaCheck, PowerOfAttorney, Review, ReviewDecision, ReviewKind

__all__ = [
    "OPEN_INVOICE_STATES",
    "AccessKind",
    "AccessLog",
    "AccountingEntry",
    "ActionPlan",
    "Case",
    "CaseFile",
    "CaseGrant",
    "CaseState",
    "CatalogueMeasure",
    "Closure",
    "Conference",
    "Cost",
    "CostKind",
    "CostShare",
    "CreditNote",
    "EmailState",
    "EmployerContact",
    "ExitOutcome",
    "ExitReport",
    "FileCategory",
    "Goal",
    "InterruptionReason",
    "Invoice",
    "InvoiceLine",
    "InvoiceState",
    "JournalEntry",
    "JournalKind",
    "Letterhead",
    "Measure",
    "MeasureProgress",
    "MeasureStatus",
    "Meeting",
    "MeetingDecision",
    "MeetingKind",
    "MeetingParticipant",
    "Notification",
    "NumberCounter",
    "Person",
    "PlanStatus",
    "PoaCheck",
    "PowerOfAttorney",
    "PrintDocument",
    "PrintMark",
    "PrintMarkKind",
    "ReferenceCounter",
    "Registration",
    "Reminder",
    "ReminderKind",
    "ResourcesSheet",
    "Review",
    "ReviewDecision",
    "ReviewKind",
    "Sex",
]
