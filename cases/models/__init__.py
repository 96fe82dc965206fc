"""The records of one IIZ case along the CII101 process.

- person.py: the beneficiary (Person)
- case.py: the case and its state machine (Case, CaseState)
- meetings.py: round tables and assessments
- plans.py: action plans with versions, goals and measures; catalogue of measures
- resources.py: the resources data sheet (Datenblatt Ressourcen) of a case
- reviews.py: reviews and powers of attorney
- closure.py: exit report and closure
- disputes.py: disputes between the institutions of a case, up to the officer and the commission
- journal.py: the case journal (timeline of everything that happened)
- notifications.py: what users are told of the events they wait for (the bell, e-mails)
- commission.py: the legal commission (funding requests, sittings, decisions) and the employment fund
- scheduling.py: meetings in the calendar, their agenda, checklist and invitations
- accounting.py: cost shares, billable costs, invoices, credit notes, the accounting log
- conferences.py: the conferences (Tagungen) and their registrations
- files.py: attachments and signed scans, print-queue marks, the documents' letterhead
- retention.py: holds that keep a closed case past its retention period
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
from cases.models.commission import (
    APPROVING_OUTCOMES,
    SCHEDULABLE,
    Decision,
    Disclosure,
    Fund,
    FundingKind,
    FundingRequest,
    FundMovement,
    MovementKind,
    Outcome,
    RequestState,
    Sitting,
    SittingState,
)
from cases.models.conferences import Conference, Registration
from cases.models.disputes import Dispute, DisputeState, DisputeSubject, ExchangeKind, ReferralKind
from cases.models.files import CaseFile, FileCategory, Letterhead, PrintDocument, PrintMark, PrintMarkKind
from cases.models.journal import JournalEntry, JournalKind
from cases.models.meetings import Meeting, MeetingDecision, MeetingKind, MeetingParticipant
from cases.models.notifications import EmailState, Notification
from cases.models.person import Person, Sex
from cases.models.plans import ActionPlan, Goal, Measure, MeasureStatus, PlanStatus
from cases.models.reminders import Reminder, ReminderKind
from cases.models.resources import ResourcesSheet
from cases.models.retention import RetentionHold
from cases.models.reviews import MeasureProgress, PoaCheck, PowerOfAttorney, Review, ReviewDecision, ReviewKind
from cases.models.scheduling import (
    AgendaItem,
    CalendarFeed,
    ChecklistItem,
    MeetingState,
    Participant,
    Reply,
    ScheduledKind,
    ScheduledMeeting,
)

__all__ = [
    "APPROVING_OUTCOMES",
    "OPEN_INVOICE_STATES",
    "SCHEDULABLE",
    "AccessKind",
    "AccessLog",
    "AccountingEntry",
    "ActionPlan",
    "AgendaItem",
    "CalendarFeed",
    "Case",
    "CaseFile",
    "CaseGrant",
    "CaseState",
    "CatalogueMeasure",
    "ChecklistItem",
    "Closure",
    "Conference",
    "Cost",
    "CostKind",
    "CostShare",
    "CreditNote",
    "Decision",
    "Disclosure",
    "Dispute",
    "DisputeState",
    "DisputeSubject",
    "EmailState",
    "EmployerContact",
    "ExchangeKind",
    "ExitOutcome",
    "ExitReport",
    "FileCategory",
    "Fund",
    "FundMovement",
    "FundingKind",
    "FundingRequest",
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
    "MeetingState",
    "MovementKind",
    "Notification",
    "NumberCounter",
    "Outcome",
    "Participant",
    "Person",
    "PlanStatus",
    "PoaCheck",
    "PowerOfAttorney",
    "PrintDocument",
    "PrintMark",
    "PrintMarkKind",
    "ReferenceCounter",
    "ReferralKind",
    "Registration",
    "Reminder",
    "ReminderKind",
    "Reply",
    "RequestState",
    "ResourcesSheet",
    "RetentionHold",
    "Review",
    "ReviewDecision",
    "ReviewKind",
    "ScheduledKind",
    "ScheduledMeeting",
    "Sex",
    "Sitting",
    "SittingState",
]
