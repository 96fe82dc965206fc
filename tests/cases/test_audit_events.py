"""cases/audit/events.py: every text the application writes into the journal is an event code
with its parameters, rendered in the reader's language."""

import pytest
from django.utils import translation

from cases import actions
from cases.audit import events
from cases.models import JournalEntry, JournalKind

# Parameters as the actions store them, for every event of the catalogue.
SAMPLES = {
    events.MEETING_SCHEDULED: {"meeting": "assessment", "date": "2026-03-02T09:00:00+00:00"},
    events.MEETING_RESCHEDULED: {"meeting": "round_table", "date": "2026-03-04T13:30:00+00:00"},
    events.MEETING_CANCELLED: {"meeting": "network", "date": "2026-03-04T13:30:00+00:00"},
    events.MEETING_HELD: {"meeting": "session", "date": "2026-03-04T13:30:00+00:00"},
    events.CHECKLIST_TICKED: {"item": "power_of_attorney"},
    events.REPLY_RECORDED: {"name": "Dr. Anna Muster", "reply": "excused"},
    events.MEETING_RECORDED: {"meeting": "round_table"},
    events.MEETING_UPDATED: {"meeting": "network"},
    events.CASE_MANAGER_DESIGNATED: {"name": "Cora Imboden"},
    events.FIRST_MEETING: {"date": "2026-01-12"},
    events.PLAN_SAVED: {"version": 2},
    events.PLAN_SENT_BACK: {"options": "Zuerst eine Abklärung der IV."},
    events.RESOURCES_RECORDED: {},
    events.RESOURCES_UPDATED: {},
    events.POA_RECORDED: {"date": "2026-02-03", "until": "2027-02-03"},
    events.EXIT_REPORT_SAVED: {},
    events.END_OF_SUPPORT_REPORTED: {"network": ["Nora Netz"], "officers": ["Alice Amherd"], "unreachable": ["Sina Still"]},
    events.ACCESS_GIVEN: {"user": "Dora Deputy", "kind": "act_as_case_manager", "date": "2026-06-30", "reason": "Ferien"},
    events.ACCESS_REVOKED: {"user": "Dora Deputy", "kind": "view_case"},
    events.SIGNED_PLAN_FILED: {"version": 3, "place": "Sion", "person": "2026-04-01", "cm": "2026-04-02"},
    events.SIGNED_POA_FILED: {"date": "2026-02-03"},
    events.CLOSURE_LETTER_FILED: {},
    events.FILE_ADDED: {"category": "medical_report", "name": "bericht.pdf"},
    events.FILE_WITHDRAWN: {"name": "bericht.pdf", "reason": "Falscher Fall"},
    events.DOCUMENTS_MARKED: {"documents": [{"document": "plan", "version": 1}, {"document": "poa_form"}], "mark": "sent"},
    events.PERSON_CORRECTED: {"fields": ["last_name", "birth_date"]},
    events.INSTITUTIONS_CHANGED: {
        "before": [{"de": "RAV", "fr": "ORP"}],
        "after": [{"de": "IV", "fr": "AI"}, {"de": "RAV", "fr": "ORP"}],
    },
    events.CASE_FACTS_CORRECTED: {"fields": ["region", "institutions"]},
    events.CASE_MANAGER_REPLACED: {"previous": "Cora Imboden", "new": "Mehmet Müller", "reason": "Stellenwechsel"},
    events.RETENTION_HELD: {},
    events.RETENTION_RELEASED: {},
    events.CASE_ANONYMISED: {"years": 10},
    events.FUNDING_REQUESTED: {"number": "FR-7", "kind": "pre_financing", "amount": "12000.50", "measure": "Job-Coaching"},
    events.FUNDING_RETURNED: {"number": "FR-7"},
    events.FUNDING_RESUBMITTED: {"number": "FR-7"},
    events.FUNDING_ON_AGENDA: {"number": "FR-7", "date": "2026-05-04"},
    events.FUNDING_DECIDED: {
        "date": "2026-05-04",
        "number": "FR-7",
        "outcome": "approved_with_changes",
        "amount": "10000",
        "present": ["Bernard Pralong", "Lia Lagger"],
        "recused": ["Lia Lagger"],
    },
    events.FUND_MOVEMENT: {"kind": "refund", "amount": "4000", "date": "2026-06-01", "number": "FR-7"},
    events.DISPUTE_RECORDED: {
        "institutions": [{"de": "RAV", "fr": "ORP"}, {"de": "IV", "fr": "AI"}],
        "subject": "costs",
        "proposal": "Je zur Hälfte",
    },
    events.DISPUTE_EXCHANGE_HELD: {"meeting": "coordination_meeting", "date": "2026-03-04", "outcome": "Keine Einigung"},
    events.DISPUTE_SETTLED: {"settlement": "Kosten je zur Hälfte"},
    events.DISPUTE_ESCALATED: {"reason": "Keine Einigung"},
    events.DISPUTE_POSITION_TAKEN: {"position": "Das RAV zahlt"},
    events.DISPUTE_REFERRED: {"kind": "subsidiary", "amount": "12500.50", "justification": "Kein Katalog deckt es"},
}

# The parameters shown as they were written: names of people and files, what users typed.
AS_WRITTEN = {
    "name",
    "options",
    "user",
    "reason",
    "place",
    "previous",
    "new",
    "proposal",
    "outcome",
    "settlement",
    "position",
    "justification",
}
# Parameters of those names that are a code in one event, shown as its label.
CODES = {(events.FUNDING_DECIDED, "outcome")}

# What each language must show of the parameters (labels, dates, names).
SHOWN = {
    "de": {
        events.MEETING_RECORDED: "Runder Tisch (CII102) erfasst",
        events.FIRST_MEETING: "12.01.2026",
        events.POA_RECORDED: "Vollmacht unterzeichnet am 03.02.2026, gültig bis 03.02.2027",
        events.ACCESS_GIVEN: "Zugriff für Dora Deputy (stellvertretender Case Manager) bis 30.06.2026 erteilt: Ferien",
        events.FILE_ADDED: "Datei abgelegt: Arztbericht, bericht.pdf",
        events.DOCUMENTS_MARKED: "Aktionsplan V1, Vollmachtsformular: versandt",
        events.PERSON_CORRECTED: "Daten der Person korrigiert: Nachname, Geburtsdatum",
        events.INSTITUTIONS_CHANGED: "Beteiligte Institutionen: RAV → IV, RAV",
        events.CASE_FACTS_CORRECTED: "Angaben zum Fall korrigiert: Region, beteiligte Institutionen",
        events.END_OF_SUPPORT_REPORTED: "Ohne E-Mail-Adresse, nicht informiert: Sina Still.",
        events.FUNDING_DECIDED: "bewilligt mit Änderungen, CHF 10\xa0000. Anwesende Mitglieder: Bernard Pralong, Lia Lagger. In den Ausstand getreten: Lia Lagger.",
        events.DISPUTE_RECORDED: "Streitfall erfasst zwischen IV, RAV über Kosten.",
        events.DISPUTE_EXCHANGE_HELD: "Koordinationssitzung am 04.03.2026 durchgeführt",
        events.DISPUTE_REFERRED: "(Subsidiäre Finanzierung einer Massnahme ausserhalb jedes Katalogs, CHF 12\xa0500,50)",
    },
    "fr": {
        events.MEETING_RECORDED: "Table ronde (CII102) enregistré(e)",
        events.FIRST_MEETING: "12.01.2026",
        events.POA_RECORDED: "Procuration signée le 03.02.2026, valable jusqu'au 03.02.2027",
        events.ACCESS_GIVEN: "Accès accordé à Dora Deputy (case manager suppléant) jusqu'au 30.06.2026 : Ferien",
        events.FILE_ADDED: "Fichier déposé : Rapport médical, bericht.pdf",
        events.DOCUMENTS_MARKED: "Plan d'action v1, Formulaire de procuration : envoyé",
        events.PERSON_CORRECTED: "Données de la personne corrigées : Nom, Date de naissance",
        events.INSTITUTIONS_CHANGED: "Institutions impliquées : ORP → AI, ORP",
        events.CASE_FACTS_CORRECTED: "Données du cas corrigées : Région, institutions impliquées",
        events.END_OF_SUPPORT_REPORTED: "Sans adresse e-mail, non informé·e·s : Sina Still.",
        events.DISPUTE_RECORDED: "Litige enregistré entre AI, ORP au sujet de Coûts.",
        events.DISPUTE_EXCHANGE_HELD: "Litige : Séance de coordination du 04.03.2026. Résultat : Keine Einigung",
        events.DISPUTE_REFERRED: "(Financement subsidiaire d’une mesure hors catalogue, CHF 12\xa0500,50)",
        events.MEETING_SCHEDULED: "Assessment (CII104) fixé au 02.03.2026 10:00, invitations envoyées",
        events.CHECKLIST_TICKED: "Vérifié avant la séance : La procuration est valable",
        events.REPLY_RECORDED: "Réponse de Dr. Anna Muster à l’invitation : excusé",
    },
}


def test_every_event_has_a_sample():
    assert set(SAMPLES) == set(events.EVENTS)


@pytest.mark.parametrize("code", sorted(events.EVENTS))
def test_every_event_reads_in_german_and_in_french_with_its_parameters(code):
    params = SAMPLES[code]
    rendered = {}
    for language in ("de", "fr"):
        with translation.override(language):
            text = events.describe(code, params)
        assert text and text != code
        assert "%(" not in text and "—" not in text  # every parameter filled in
        for name, value in params.items():  # names and what users typed appear as they are
            if name in AS_WRITTEN and (code, name) not in CODES:
                assert value in text
        if code in SHOWN[language]:
            assert SHOWN[language][code] in text
        rendered[language] = text
    assert rendered["de"] != rendered["fr"], "the French text is a translation, not the German one"


def test_the_text_a_user_wrote_comes_first_and_stays_as_written():
    entry = JournalEntry(text="Die Ziele sind zu allgemein.", event=events.PLAN_SENT_BACK, params={"options": "IV zuerst"})
    with translation.override("fr"):
        assert events.render(entry) == "Die Ziele sind zu allgemein.\nAutres possibilités d'action proposées : IV zuerst"
    assert events.render(JournalEntry(text="Notiz")) == "Notiz"


def test_a_code_unknown_to_this_version_is_shown_as_it_is():
    assert events.describe("from_a_later_version", {"x": 1}) == "from_a_later_version"


def test_the_journal_refuses_an_event_that_is_not_in_the_catalogue(make_case, coordinator):
    case = make_case("reported")
    with pytest.raises(ValueError, match="not_an_event"):
        actions._journal(case, coordinator, JournalKind.RECORD, event="not_an_event")


def test_the_actions_store_no_sentence_in_the_writers_language(make_case):
    """A case walked up to implementation by a French-speaking team: what the application
    said is kept as events, and no entry's text holds one of their sentences."""
    with translation.override("fr"):
        case = make_case("implementation")
    entries = list(case.journal.all())
    assert {e.event for e in entries} >= {events.CASE_MANAGER_DESIGNATED, events.FIRST_MEETING, events.PLAN_SAVED}
    written = "\n".join(e.text for e in entries)
    for entry in entries:
        if entry.event:
            for language in ("de", "fr"):
                with translation.override(language):
                    assert events.describe(entry.event, entry.params) not in written
