"""The records of one IIZ case along the CII101 process.

- person.py: the beneficiary (Person)
- case.py: the case and its state machine (Case, CaseState)
- meetings.py: round tables and assessments
- plans.py: action plans with versions, goals and measures; catalogue of measures
- reviews.py: reviews and powers of attorney
- closure.py: exit report and closure
- journal.py: the case journal (timeline of everything that happened)
- files.py: attachments and signed scans, print-queue marks, the documents' letterhead
"""

from cases.models.catalogue import CatalogueMeasure, EmployerContact
from cases.models.person import Person, Sex
from cases.models.case import Case, CaseState, ReferenceCounter
from cases.models.meetings import Meeting, MeetingDecision, MeetingKind, MeetingParticipant
from cases.models.plans import ActionPlan, Goal, Measure, MeasureStatus, PlanStatus
from cases.models.reviews import MeasureProgress, PoaCheck, PowerOfAttorney, Review, ReviewDecision, ReviewKind
from cases.models.closure import Closure, ExitOutcome, ExitReport, InterruptionReason
from cases.models.journal import JournalEntry, JournalKind
from cases.models.access import AccessKind, AccessLog, CaseGrant
from cases.models.reminders import Reminder, ReminderKind
from cases.models.files import CaseFile, FileCategory, Letterhead, PrintDocument, PrintMark, PrintMarkKind

__all__ = [
    "AccessKind", "AccessLog", "CaseGrant", "CaseFile", "FileCategory", "Letterhead", "PrintDocument", "PrintMark", "PrintMarkKind", "ActionPlan", "Case", "CaseState", "CatalogueMeasure", "Closure", "EmployerContact", "ExitOutcome",
    "ExitReport", "Goal", "InterruptionReason", "JournalEntry", "JournalKind", "Measure", "MeasureProgress",
    "MeasureStatus", "Meeting", "MeetingDecision", "MeetingKind", "MeetingParticipant", "Person", "PlanStatus",
    "PoaCheck", "PowerOfAttorney", "ReferenceCounter", "Reminder", "ReminderKind", "Review", "ReviewDecision", "ReviewKind", "Sex",
]
