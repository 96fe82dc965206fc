"""The data of migration cases/migrations/0019_journal_events.py: the sentences the actions
wrote into the journal, in German, French or English, become event codes with their
parameters, read afterwards in the reader's language; what users wrote stays as it is."""

import pytest

from cases.models import JournalEntry
from tests.helpers import journal_texts, migrate_around

MIGRATION = ("cases", "0019_journal_events")


# (kind, transition, the text as written) -> (text kept, event, parameters)
ROWS = [
    # German
    ("record", "", "Aktionsplan V2 gespeichert", ("", "plan_saved", {"version": 2})),
    ("record", "", "Runder Tisch (CII102) erfasst", ("", "meeting_recorded", {"meeting": "round_table"})),
    (
        "record",
        "",
        "Vollmacht unterzeichnet am 03.02.2026, gültig bis 03.02.2027",
        ("", "poa_recorded", {"date": "2026-02-03", "until": "2027-02-03"}),
    ),
    (
        "record",
        "",
        "Abschlussbrief: versandt",
        ("", "documents_marked", {"documents": [{"document": "closure_letter", "version": None}], "mark": "sent"}),
    ),
    (
        "record",
        "",
        "Beteiligte Institutionen: DSW, RAV → IV, RAV",
        (
            "",
            "institutions_changed",
            {
                "before": [{"de": "DSW", "fr": "SAS"}, {"de": "RAV", "fr": "ORP"}],
                "after": [{"de": "IV", "fr": "AI"}, {"de": "RAV", "fr": "ORP"}],
            },
        ),
    ),
    (
        "record",
        "",
        "Daten der Person korrigiert: Nachname, Geburtsdatum",
        ("", "person_corrected", {"fields": ["last_name", "birth_date"]}),
    ),
    (
        "record",
        "",
        "Zugriff für Dora Deputy (stellvertretender Case Manager) bis 30.06.2026 erteilt: Ferien der CM",
        (
            "",
            "access_given",
            {"user": "Dora Deputy", "kind": "act_as_case_manager", "date": "2026-06-30", "reason": "Ferien der CM"},
        ),
    ),
    (
        "record",
        "",
        "Ende der Begleitung per E-Mail gemeldet an die/den kantonale/n IIZ-Beauftragte/n (Alice Amherd). Keine weitere "
        "IIZ-Ansprechperson der beteiligten Institutionen konnte informiert werden. Ohne E-Mail-Adresse, nicht "
        "informiert: Sina Silent, Urs Unbekannt.",
        (
            "",
            "end_of_support_reported",
            {"network": [], "officers": ["Alice Amherd"], "unreachable": ["Sina Silent", "Urs Unbekannt"]},
        ),
    ),
    ("transition", "start_plan", "Erstes Treffen mit der Person am 12.01.2026", ("", "first_meeting", {"date": "2026-01-12"})),
    (
        "transition",
        "send_back_plan",
        "Die Ziele sind zu allgemein.\nVorgeschlagene andere Aktionsmöglichkeiten: Zuerst eine Abklärung der IV.",
        ("Die Ziele sind zu allgemein.", "plan_sent_back", {"options": "Zuerst eine Abklärung der IV."}),
    ),
    ("transition", "designate_case_manager", "Cora Imboden", ("", "case_manager_designated", {"name": "Cora Imboden"})),
    # French
    ("record", "", "Plan d'action v1 enregistré", ("", "plan_saved", {"version": 1})),
    (
        "record",
        "",
        "Plan d'action v1, Formulaire de procuration : imprimé",
        (
            "",
            "documents_marked",
            {"documents": [{"document": "plan", "version": 1}, {"document": "poa_form", "version": None}], "mark": "printed"},
        ),
    ),
    (
        "record",
        "",
        "Fichier déposé : Rapport médical, rapport.pdf",
        ("", "file_added", {"category": "medical_report", "name": "rapport.pdf"}),
    ),
    ("record", "", "Bilan de sortie enregistré", ("", "exit_report_saved", {})),
    (
        "record",
        "",
        "Données du cas corrigées : Région, institutions impliquées",
        ("", "case_facts_corrected", {"fields": ["region", "institutions"]}),
    ),
    (
        "transition",
        "start_plan",
        "Premier entretien avec la personne le 05.03.2026",
        ("", "first_meeting", {"date": "2026-03-05"}),
    ),
    # English
    (
        "record",
        "",
        "Signed action plan v3 filed (signed in Sion on 01.04.2026 and 02.04.2026)",
        (
            "",
            "signed_plan_filed",
            {"version": 3, "place": "Sion", "person": "2026-04-01", "cm": "2026-04-02"},
        ),
    ),
    ("record", "", "Resources data sheet updated", ("", "resources_updated", {})),
    # What users wrote stays as it is, even when it looks like a sentence of the application.
    ("note", "", "Exit report saved", ("Exit report saved", "", {})),
    ("minutes", "", "Aktionsplan V2 gespeichert", ("Aktionsplan V2 gespeichert", "", {})),
    ("record", "review", "Austrittsbilanz gespeichert", ("Austrittsbilanz gespeichert", "", {})),
    ("transition", "validate_plan", "Gut so.", ("Gut so.", "", {})),
    ("record", "", "Datei abgelegt: ein Brief", ("Datei abgelegt: ein Brief", "", {})),  # no category of that name
    (
        "record",
        "",
        "Vollmacht unterzeichnet am gestern, gültig bis morgen",
        ("Vollmacht unterzeichnet am gestern, gültig bis morgen", "", {}),
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_the_sentences_of_the_journal_become_events_and_free_text_stays(make_case, coordinator):
    case = make_case("implementation")
    old = migrate(before=True)
    try:
        OldEntry = old.get_model("cases", "JournalEntry")
        written = [
            OldEntry.objects.create(case_id=case.pk, author_id=coordinator.pk, kind=kind, transition=transition, text=text).pk
            for kind, transition, text, _expected in ROWS
        ]
    finally:
        migrate(before=False)

    entries = JournalEntry.objects.in_bulk(written)
    got = [(entries[pk].text, entries[pk].event, entries[pk].params) for pk in written]
    assert got == [expected for *_row, expected in ROWS]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_a_sentence_written_in_german_reads_in_french_after_the_migration(make_case, coordinator):
    case = make_case("implementation")
    old = migrate(before=True)
    try:
        OldEntry = old.get_model("cases", "JournalEntry")
        # backwards, the events the actions wrote are written out in German
        assert "Aktionsplan V1 gespeichert" in OldEntry.objects.filter(case_id=case.pk).values_list("text", flat=True)
        OldEntry.objects.filter(case_id=case.pk).delete()
        for text in ("Aktionsplan V1 gespeichert", "Vollmacht unterzeichnet am 03.02.2026, gültig bis 03.02.2027"):
            OldEntry.objects.create(case_id=case.pk, author_id=coordinator.pk, kind="record", text=text)
    finally:
        migrate(before=False)

    assert journal_texts(case, "fr") == [
        "Plan d'action v1 enregistré",
        "Procuration signée le 03.02.2026, valable jusqu'au 03.02.2027",
    ]
    assert journal_texts(case, "de") == [
        "Aktionsplan V1 gespeichert",
        "Vollmacht unterzeichnet am 03.02.2026, gültig bis 03.02.2027",
    ]


def migrate(before: bool):
    return migrate_around(MIGRATION, before=before)
