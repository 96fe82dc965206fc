"""Demo cases for the demo cast of cases/demo/users.py: 60 cases over every state of the CII101
flow, the three regions and both themes, built with the real actions (cases/actions.py and
cases/demo/walk.py), so they look exactly like cases built by users.

Each case is first *planned* (a list of dated events, drawn from ``random.Random(SEED)``
relative to an anchor day, so the structure is the same on every run), then *played* with
the actions, one event after the other. The actions stamp what they write with the real
time; afterwards every timestamp written while playing a case is moved to the simulated
moment of its event (reported_at, the step dates, journal, plans, reviews, history...), so
timelines and durations look real and nothing lies in the future. Only appointments (a
round table or an assessment not yet held) and the due dates of measures may be ahead.

Idempotent: the demo persons are known by their AHV numbers; when one of them exists,
nothing is created.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from cases import actions, deadlines, notices, notifications
from cases.ahv import check_digit, normalize
from cases.audit import chain
from cases.demo.accounting import seed_accounting, seed_conferences
from cases.demo.meetings import seed_meetings
from cases.demo.reference import load_case_reference_data
from cases.demo.users import DEMO_USERS
from cases.demo.walk import Cast, walk
from cases.models import (
    ActionPlan,
    Case,
    CaseState,
    CatalogueMeasure,
    Closure,
    EmployerContact,
    ExitOutcome,
    ExitReport,
    Goal,
    InterruptionReason,
    JournalEntry,
    JournalKind,
    Measure,
    MeasureStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Notification,
    Person,
    PoaCheck,
    PowerOfAttorney,
    ReferenceCounter,
    ResourcesSheet,
    Review,
    ReviewDecision,
    ReviewKind,
)
from cases.models.reviews import one_year_after
from roles.models import Institution, Region, Theme, User

SEED = 2026
# The demo users have read what they were told more than this many days before the seeding.
UNREAD_DAYS = 10

# How many demo cases end in each state (60 in all; closed: 4 placed, 3 other service, 3 interrupted).
STATE_COUNTS = [
    (CaseState.REPORTED, 5),
    (CaseState.ROUND_TABLE, 4),
    (CaseState.ASSESSMENT, 4),
    (CaseState.NO_CASE_MANAGEMENT, 4),
    (CaseState.CM_DESIGNATED, 4),
    (CaseState.PLAN_PREPARATION, 5),
    (CaseState.PLAN_VALIDATION, 4),
    (CaseState.IMPLEMENTATION, 12),
    (CaseState.NETWORK, 3),
    (CaseState.EXIT_REPORT, 4),
    (CaseState.AWAITING_CLOSURE, 4),
    (CaseState.CLOSED, 10),
]
DEMO_CASE_COUNT = sum(n for _state, n in STATE_COUNTS)
REGION_COUNTS = {"ow": 23, "mw": 20, "uw": 20}
THEME_COUNTS = {"youth": 10, "asylum": 8}

CASE_MANAGER_BY_REGION = {"ow": "casemanager-ow", "mw": "contact-social-mw", "uw": "casemanager-uw"}
REPORTERS_BY_REGION = {"ow": ["frontline-rav-ow", "contact-rav-ow"], "mw": ["contact-social-mw"], "uw": ["contact-ai-uw"]}
INSTITUTION_OF = {
    "frontline-rav-ow": "rav",
    "contact-rav-ow": "rav",
    "contact-social-mw": "social",
    "contact-ai-uw": "ai",
    "casemanager-ow": "social",
    "casemanager-uw": "rav",
}
OFFICE = {"ow": "Brig", "mw": "Sion", "uw": "Martigny"}
MEETING_PLACE = {
    ("ow", "de"): "Brig, IIZ-Büro Oberwallis",
    ("mw", "de"): "Sitten, IIZ-Büro Mittelwallis",
    ("mw", "fr"): "Sion, bureau CII du Valais central",
    ("uw", "fr"): "Martigny, bureau CII du Bas-Valais",
}

# --- persons ------------------------------------------------------------------------------

DE_FEMALE = [
    "Anna",
    "Sandra",
    "Nadine",
    "Melanie",
    "Corinne",
    "Petra",
    "Jasmin",
    "Nicole",
    "Bettina",
    "Sabrina",
    "Lea",
    "Michelle",
    "Laura",
    "Tamara",
    "Vanessa",
]
DE_MALE = [
    "Marco",
    "Daniel",
    "Patrick",
    "Thomas",
    "Reto",
    "Christian",
    "Martin",
    "Fabian",
    "Dominik",
    "Kevin",
    "Luca",
    "Yannick",
    "Raphael",
    "Pascal",
    "Simon",
]
DE_LAST = [
    "Pfammatter",
    "Schnydrig",
    "Lochmatter",
    "Anthamatten",
    "Bregy",
    "Heinzmann",
    "Jossen",
    "Salzmann",
    "Truffer",
    "Walpen",
    "Zurbriggen",
    "Eyer",
    "Furrer",
    "Gattlen",
    "Kummer",
    "Lehner",
    "Nellen",
    "Tscherrig",
    "Williner",
    "Bumann",
    "Bittel",
    "Amacker",
    "Brunner",
    "Gsponer",
    "Mooser",
    "Abgottspon",
    "Jordan",
    "Kronig",
]
FR_FEMALE = [
    "Camille",
    "Mélanie",
    "Julie",
    "Sandrine",
    "Laetitia",
    "Céline",
    "Aurélie",
    "Chloé",
    "Manon",
    "Valérie",
    "Christelle",
    "Océane",
    "Justine",
    "Elodie",
    "Audrey",
]
FR_MALE = [
    "Julien",
    "Sébastien",
    "Nicolas",
    "Yannick",
    "Cédric",
    "David",
    "Grégoire",
    "Mathieu",
    "Loïc",
    "Romain",
    "Florian",
    "Maxime",
    "Steve",
    "Jérémie",
    "Alain",
]
FR_LAST = [
    "Luisier",
    "Moret",
    "Dubuis",
    "Genoud",
    "Roduit",
    "Sauthier",
    "Savioz",
    "Théodoloz",
    "Crettenand",
    "Michellod",
    "Maret",
    "Vouilloz",
    "Gillioz",
    "Délèze",
    "Rouiller",
    "Tornay",
    "Berthod",
    "Praz",
    "Mabillard",
    "Antonin",
    "Coppey",
    "Fragnière",
    "Salamin",
    "Udry",
    "Vuignier",
    "Barras",
    "Clivaz",
    "Dorsaz",
]
ASYLUM_NAMES = [
    ("Tesfay", "Gebremedhin", "m"),
    ("Senait", "Haile", "f"),
    ("Yonas", "Tekle", "m"),
    ("Feven", "Berhane", "f"),
    ("Ahmad", "Rahimi", "m"),
    ("Mariam", "Sultani", "f"),
    ("Farid", "Noori", "m"),
    ("Rami", "Haddad", "m"),
    ("Lina", "Khalil", "f"),
    ("Olena", "Kovalenko", "f"),
    ("Dmytro", "Bondarenko", "m"),
    ("Tenzin", "Dolma", "f"),
    ("Abdi", "Warsame", "m"),
    ("Baran", "Aydin", "m"),
    ("Hawa", "Mohamed", "f"),
]
# town, postcode, streets
TOWNS = {
    ("ow", "de"): [
        ("Brig", "3900", ["Furkastrasse", "Bahnhofstrasse", "Alte Simplonstrasse", "Saltinaplatz"]),
        ("Naters", "3904", ["Belalpstrasse", "Bahnhofstrasse", "Kirchstrasse"]),
        ("Visp", "3930", ["Kantonsstrasse", "Terbinerstrasse", "Bahnhofstrasse"]),
        ("Zermatt", "3920", ["Hofmattstrasse", "Bahnhofstrasse", "Wiestistrasse"]),
        ("Leuk-Stadt", "3953", ["Hauptgasse", "Sustenstrasse"]),
        ("Glis", "3902", ["Gliserallee", "Kapuzinerstrasse"]),
    ],
    ("mw", "de"): [
        ("Sion", "1950", ["Rue de Lausanne", "Avenue de France"]),
        ("Sierre", "3960", ["Avenue Général-Guisan", "Route de Sion"]),
    ],
    ("mw", "fr"): [
        ("Sion", "1950", ["Rue du Rhône", "Avenue de la Gare", "Rue de Lausanne", "Avenue de France", "Rue des Vergers"]),
        ("Sion", "1950", ["Rue de Conthey", "Chemin des Amandiers"]),
        ("Sierre", "3960", ["Rue du Bourg", "Avenue Max-Huber", "Route de Sion"]),
        ("Conthey", "1964", ["Route Cantonale", "Rue Centrale"]),
        ("Vétroz", "1963", ["Route de l'Abbaye"]),
    ],
    ("uw", "fr"): [
        ("Martigny", "1920", ["Avenue du Grand-Saint-Bernard", "Rue de la Poste", "Avenue de la Gare"]),
        ("Martigny", "1920", ["Rue du Simplon", "Rue des Alpes"]),
        ("Monthey", "1870", ["Avenue de l'Industrie", "Rue du Bourg", "Avenue de France"]),
        ("Monthey", "1870", ["Rue de Venise", "Chemin du Pré"]),
        ("Saint-Maurice", "1890", ["Grand-Rue", "Avenue du Simplon"]),
        ("Fully", "1926", ["Rue de la Poste", "Route de Saillon"]),
    ],
}

# --- texts: one set per correspondence language -----------------------------------------

TEXTS = {
    "de": {
        "reason": {
            "general": [
                "Seit {months} Monaten arbeitslos, Rückenbeschwerden; die Taggelder laufen bald aus. RAV und Sozialdienst sind bereits involviert.",
                "Nach einem Arbeitsunfall auf dem Bau nur teilweise arbeitsfähig; IV-Anmeldung läuft, Rückkehr an die alte Stelle nicht möglich.",
                "Ausgesteuert, bezieht Sozialhilfe; psychische Belastung und Schulden. Wünscht Unterstützung für die Rückkehr ins Erwerbsleben.",
                "Stellenverlust im Gastgewerbe, Alkoholproblematik, die Wohnung ist gekündigt. Mehrere Stellen arbeiten ohne Absprache.",
                "Nach einem Burnout seit {months} Monaten krankgeschrieben, das Krankentaggeld endet bald; keine Aussicht auf Rückkehr an die bisherige Stelle.",
            ],
            "youth": [
                "Lehrabbruch im zweiten Lehrjahr (Koch EFZ), keine Anschlusslösung; die Familie bezieht Sozialhilfe.",
                "Obligatorische Schule abgeschlossen, seither ohne Ausbildung; Motivationssemester abgebrochen, Cannabiskonsum.",
                "Mehrere abgebrochene Praktika, ADHS-Diagnose; möchte eine Attestausbildung beginnen.",
            ],
            "asylum": [
                "Vorläufig aufgenommen (Ausweis F) seit drei Jahren, Deutsch A2, Berufserfahrung als Schreiner im Herkunftsland; bezieht Sozialhilfe.",
                "Anerkannter Flüchtling (Ausweis B), Pflegeausbildung im Herkunftsland, in der Schweiz nicht anerkannt.",
                "Anerkannter Flüchtling (Ausweis B), Hochschulabschluss in Buchhaltung; Deutschkurs B1 läuft, sucht eine Stelle im Beruf.",
            ],
        },
        "medical": [
            "Rückenleiden (Diskushernie), keine Lasten über 10 kg. Hausarzt: Arbeitsfähigkeit {wc} % in angepasster Tätigkeit.",
            "Depressive Episode, in psychiatrischer Behandlung und stabilisiert. RAD: Arbeitsfähigkeit {wc} %.",
            "Zustand nach Knieverletzung, kein langes Stehen. Suva-Kreisarzt: {wc} % in leichter Tätigkeit.",
            "Keine gesundheitlichen Einschränkungen bekannt.",
        ],
        "employability": {
            "general": [
                "Gute Arbeitshaltung, aber keine Berufsausbildung; Chancen in Logistik und Reinigung.",
                "Fachkenntnisse vorhanden, Lücke im Lebenslauf von zwei Jahren.",
                "Langjährige Erfahrung im Verkauf; braucht eine körperlich leichtere Tätigkeit.",
            ],
            "youth": [
                "Praktisch begabt, Mühe mit schulischen Anforderungen; braucht eng begleiteten Einstieg.",
                "Unklare Berufswahl, Schnupperlehren noch nicht gemacht.",
            ],
            "asylum": [
                "Deutsch reicht noch nicht für eine Stelle im Beruf; Erfahrung im Handwerk.",
                "Ausländisches Diplom, Anerkennung offen; motiviert und zuverlässig.",
            ],
        },
        "social": [
            "Alleinerziehend, zwei Kinder; Kinderbetreuung ist organisiert.",
            "Lebt bei den Eltern, Schulden von rund CHF 12'000.",
            "Wohnt allein, Sozialhilfe seit einem Jahr; kein Auto, auf den öffentlichen Verkehr angewiesen.",
            "Verheiratet, Partner arbeitet Teilzeit; knappe finanzielle Lage.",
        ],
        "result": [
            "Koordinierte Begleitung nötig: mehrere Stellen beteiligt, die Ziele müssen abgestimmt werden.",
            "Die Situation ist komplex; ein Case Management mit einem gemeinsamen Aktionsplan wird empfohlen.",
            "Einstieg in den ersten Arbeitsmarkt realistisch, wenn die Massnahmen aufeinander abgestimmt werden.",
        ],
        "options": {
            "general": "Arbeitsversuch, Bewerbungscoaching, Abklärung einer Umschulung, Schuldenberatung.",
            "youth": "Brückenangebot, Berufswahlberatung, Lehrstellensuche mit Coaching, Attestausbildung.",
            "asylum": "Deutschkurs, Anerkennung des Diploms, Berufspraktikum, Potenzialabklärung.",
        },
        "rt_to_assessment": "Die Lage ist komplexer als angenommen; ein Assessment ist nötig.",
        "no_cm": [
            "Die RAV-Betreuung genügt; kein Koordinationsbedarf.",
            "Die Person hat selbst eine Stelle gefunden; eine Koordination ist nicht mehr nötig.",
            "Die Begleitung durch den Sozialdienst reicht aus; die Stellen sprechen sich direkt ab.",
        ],
        "no_cm_result": "Die Situation ist mit den bestehenden Massnahmen abgedeckt.",
        "goals": {
            "general": [
                "Stabile Anstellung im ersten Arbeitsmarkt (mindestens 50 %)",
                "Gesundheit stabilisieren und Belastbarkeit schrittweise steigern",
                "Finanzielle Situation klären und Schulden sanieren",
                "Eine angepasste Tätigkeit finden, die die gesundheitlichen Einschränkungen berücksichtigt",
            ],
            "youth": [
                "Eine Lehrstelle (EBA oder EFZ) für den nächsten Sommer finden",
                "Eine feste Tagesstruktur aufbauen und Termine zuverlässig einhalten",
                "Den Berufswunsch klären und in zwei Berufen schnuppern",
            ],
            "asylum": [
                "Deutsch auf Niveau B1 bringen",
                "Anerkennung des ausländischen Diploms klären",
                "Erste Festanstellung im ersten Arbeitsmarkt",
                "Von der Sozialhilfe unabhängig werden",
            ],
        },
        "dated_goal": "Bis {date}: zwei Bewerbungen pro Woche, Nachweis an den Case Manager",
        "changed_goal": "Stabile Anstellung im ersten Arbeitsmarkt, zuerst 50 %, danach Steigerung auf 80 %",
        # The resources data sheet: what the person states at the round table or assessment
        # (recorded by the coordinator), then what the case manager adds with the first plan.
        "sheet": {
            "general": {
                "education": "Obligatorische Schule; Berufslehre im Detailhandel (EFZ); Staplerausweis",
                "work_experience": "Zwölf Jahre im Detailhandel und in der Logistik, zuletzt im Lager eines Grossverteilers",
                "languages": "Deutsch (Muttersprache), Französisch A2",
                "driving_licence": True,
            },
            "youth": {
                "education": "Obligatorische Schule abgeschlossen; Brückenangebot nach drei Monaten abgebrochen",
                "work_experience": "Schnupperlehren als Schreiner und als Elektroinstallateur; Ferienjob auf dem Bau",
                "languages": "Deutsch (Muttersprache), Englisch A2",
                "driving_licence": False,
            },
            "asylum": {
                "education": "Mittelschule und zwei Jahre Studium im Herkunftsland (in der Schweiz nicht anerkannt)",
                "work_experience": "Acht Jahre als Mechaniker in einer Autowerkstatt im Herkunftsland",
                "languages": "Tigrinya (Muttersprache), Arabisch, Deutsch A2",
                "driving_licence": False,
            },
        },
        "sheet_cm": {
            "general": {
                "constraints": "Möchte keine Nacht- und Wochenendarbeit; kann nicht lange stehen",
                "other": "Zuverlässig, gute Umgangsformen; aktiv im Turnverein des Dorfes.",
            },
            "youth": {
                "constraints": "Möchte nicht im Büro arbeiten",
                "other": "Handwerklich geschickt, sportlich (Fussballverein); unterstützende Grossmutter.",
            },
            "asylum": {
                "constraints": "Integrationskurs an vier Vormittagen pro Woche bis zum Sommer",
                "other": "Lernt schnell, gutes soziales Netz in der Gemeinde.",
            },
        },
        "childcare": "Zwei Kinder (7 und 10 Jahre); die Grosseltern betreuen sie an drei Tagen pro Woche",
        "language_course": "Deutschkurs B1 (kantonales Integrationsprogramm)",
        "free_measure": "Job-Coaching am Arbeitsplatz",
        "rt_note": "Einladung zum Runden Tisch an alle Beteiligten verschickt; {first} hat die Teilnahme bestätigt.",
        # A plan sent back: the reasons, and the other options proposed.
        "send_back": [
            (
                "Es fehlt ein konkretes Zwischenziel mit Datum, und die Finanzierung des Arbeitsversuchs ist offen.",
                "Ein datiertes Zwischenziel ergänzen und die Finanzierung des Arbeitsversuchs mit dem RAV klären.",
            ),
            (
                "Die IV-Stelle ist noch nicht einbezogen, obwohl die Arbeitsfähigkeit eingeschränkt ist.",
                "Zuerst eine berufliche Abklärung der IV-Stelle vorsehen, dann den Arbeitsversuch planen.",
            ),
        ],
        "validate": ["Einverstanden.", "Einverstanden, Standortbestimmung in drei Monaten.", "Validiert."],
        "first_meeting_note": "Erstgespräch mit {first}: Situation, Ziele und Ablauf besprochen, Vollmacht unterschrieben.",
        "notes": [
            "Telefonat mit {first}: Termin beim Hausarzt wahrgenommen, Arztzeugnis folgt.",
            "Bewerbungsunterlagen mit {first} überarbeitet; drei Bewerbungen verschickt.",
            "Rückmeldung des Einsatzbetriebs: {first} ist zuverlässig und pünktlich.",
            "{first} hat einen Termin verpasst; neuer Termin vereinbart.",
        ],
        "minutes": [
            "Protokoll Netzwerksitzung mit den Ansprechpersonen und {first}: Vorgehen bestätigt, nächster Austausch in drei Monaten.",
            "Protokoll Austausch der beteiligten Stellen: Zuständigkeiten für die Finanzierung der nächsten Massnahme geklärt.",
            "Protokoll Telefonkonferenz mit den Ansprechpersonen: Informationen zum Stand ausgetauscht, keine Änderung am Plan.",
        ],
        "secretariat_note": "Einladungen zum Assessment verschickt, Personalien und Adresse geprüft.",
        "network_reason": [
            "Neue Diagnose: die Arbeitsfähigkeit ist gesunken, das Arbeitstraining muss überdacht werden.",
            "Die Person möchte eine Umschulung; die Institutionen müssen die Finanzierung neu klären.",
            "Der Arbeitgeber des Arbeitsversuchs hat Konkurs angemeldet; das Netzwerk muss eine neue Lösung finden.",
        ],
        "review_person": [
            "Standortgespräch mit {first}: die Massnahmen laufen planmässig, {first} ist motiviert.",
            "Gespräch mit {first}: gesundheitlich stabiler, erste Bewerbungen verschickt.",
            "Standort: Einsatz verläuft gut, die Rückmeldung des Betriebs ist positiv.",
            "Rückschlag wegen Krankheit im letzten Monat; die Termine werden wieder wahrgenommen.",
        ],
        "review_team": [
            "Quartalsgespräch mit den Ansprechpersonen: Stand des Dossiers besprochen, alle Stellen informiert.",
            "Quartalsgespräch: Finanzierung der nächsten Massnahme geklärt, nächste Schritte mit allen Stellen abgestimmt.",
            "Quartalsgespräch: Fortschritte bestätigt, die Ansprechpersonen unterstützen die laufenden Massnahmen.",
        ],
        "review_change": [
            "Die bisherigen Massnahmen reichen nicht aus; der Plan wird um eine Massnahme ergänzt.",
            "Neue ärztliche Einschätzung: die Belastbarkeit ist höher als angenommen; der Plan wird angepasst.",
        ],
        "review_cancelled": "Eine Massnahme musste abgebrochen werden; der Plan wird mit einer Ersatzmassnahme angepasst.",
        "review_finish": "Abschlussgespräch mit {first}: alle Schritte des Plans sind erledigt.",
        "progress": {
            "running": ["läuft", "Teilnahme regelmässig", "Zwischenbericht positiv"],
            "done": ["abgeschlossen", "erfolgreich abgeschlossen, Bericht liegt vor"],
            "cancelled": "abgebrochen (gesundheitliche Gründe)",
            "finished_early": "vorzeitig beendet: Stellenantritt",
        },
        "jobs": [
            "Produktionsmitarbeiter/in",
            "Mitarbeiter/in Logistik",
            "Verkäufer/in",
            "Hilfskoch/-köchin",
            "Mitarbeiter/in Hauswirtschaft",
            "Lernende/r Logistiker/in EBA",
        ],
        "exit_placed": "{first} wurde während {months} Monaten begleitet und hat eine Stelle bei {employer} angetreten.",
        "exit_other": "Eine direkte Vermittlung ist nicht möglich; {first} wird von {service} weiterbegleitet.",
        "exit_interrupted": "Die Begleitung wurde nach {months} Monaten unterbrochen.",
        "other_service_detail": {
            "ai": "Berufliche Massnahmen und Rentenprüfung der IV",
            "social": "Regionaler Sozialdienst der Wohngemeinde",
            "addiction": "Stationäre Therapie bei Sucht Wallis",
        },
        "interruption": {
            InterruptionReason.REFUSES: "Die Person wünscht keine weitere Begleitung.",
            InterruptionReason.MOVED: "Umzug in den Kanton Bern.",
            InterruptionReason.OTHER: "Längerer Spitalaufenthalt, eine Begleitung ist zurzeit nicht möglich.",
        },
        "letter": "Wir danken Ihnen für die Zusammenarbeit. Ihr IIZ-Dossier ist abgeschlossen; die Unterlagen werden gemäss den gesetzlichen Vorgaben archiviert.",
        "archive": "Dossier archiviert.",
        "poa_not_renewed": "Die Begleitung endete unerwartet; eine neue Vollmacht konnte nicht mehr unterzeichnet werden.",
        "doctor": ("Dr. med. {last}", "Hausarztpraxis {town}", "Hausarzt/Hausärztin"),
        "person_function": "betroffene Person",
    },
    "fr": {
        "reason": {
            "general": [
                "Sans emploi depuis {months} mois, douleurs dorsales ; fin de droit proche. L'ORP et le service social sont déjà impliqués.",
                "Après un accident de travail sur un chantier, capacité de travail partielle ; demande AI en cours, retour au poste impossible.",
                "En fin de droit, à l'aide sociale ; charge psychique et dettes. Souhaite un soutien pour retrouver un emploi.",
                "Perte d'emploi dans la restauration, problème d'alcool, bail résilié. Plusieurs services interviennent sans coordination.",
                "En arrêt maladie depuis {months} mois après un épuisement professionnel ; les indemnités journalières prennent fin bientôt.",
            ],
            "youth": [
                "Rupture d'apprentissage en deuxième année (cuisinier CFC), pas de solution de suite ; la famille est à l'aide sociale.",
                "Scolarité obligatoire terminée, sans formation depuis ; semestre de motivation interrompu, consommation de cannabis.",
                "Plusieurs stages interrompus, diagnostic de TDAH ; souhaite commencer une formation AFP.",
            ],
            "asylum": [
                "Admission provisoire (permis F) depuis trois ans, français A2, expérience de menuisier dans le pays d'origine ; à l'aide sociale.",
                "Statut de réfugié (permis B), formation en soins infirmiers dans le pays d'origine, non reconnue en Suisse.",
                "Statut de réfugié (permis B), diplôme universitaire en comptabilité ; cours de français B1 en cours, cherche un emploi dans son domaine.",
            ],
        },
        "medical": [
            "Problèmes de dos (hernie discale), pas de charges de plus de 10 kg. Médecin traitant : capacité de travail de {wc} % dans une activité adaptée.",
            "Épisode dépressif, suivi psychiatrique, état stabilisé. SMR : capacité de travail de {wc} %.",
            "Suite d'une blessure au genou, pas de station debout prolongée. Médecin d'arrondissement Suva : {wc} % dans une activité légère.",
            "Pas de limitation de santé connue.",
        ],
        "employability": {
            "general": [
                "Bonne attitude au travail, mais sans formation ; chances dans la logistique et le nettoyage.",
                "Compétences professionnelles solides, trou de deux ans dans le CV.",
                "Longue expérience dans la vente ; a besoin d'une activité physiquement plus légère.",
            ],
            "youth": [
                "Habile de ses mains, difficultés scolaires ; a besoin d'un accompagnement serré au début.",
                "Choix professionnel pas encore clair, pas encore de stage d'observation.",
            ],
            "asylum": [
                "Le niveau de français ne suffit pas encore pour un emploi dans le métier ; expérience dans l'artisanat.",
                "Diplôme étranger, reconnaissance en cours ; motivée et fiable.",
            ],
        },
        "social": [
            "Famille monoparentale, deux enfants ; garde organisée.",
            "Vit chez ses parents, dettes d'environ CHF 12'000.",
            "Vit seul, à l'aide sociale depuis un an ; pas de voiture, dépend des transports publics.",
            "Marié, conjoint à temps partiel ; situation financière tendue.",
        ],
        "result": [
            "Un accompagnement coordonné est nécessaire : plusieurs services, des objectifs à harmoniser.",
            "La situation est complexe ; un case management avec un plan d'action commun est recommandé.",
            "Une entrée sur le premier marché du travail est réaliste si les mesures sont coordonnées.",
        ],
        "options": {
            "general": "Placement à l'essai, coaching en recherche d'emploi, examen d'un reclassement, conseil en désendettement.",
            "youth": "Solution transitoire, orientation professionnelle, recherche d'une place d'apprentissage avec coaching, formation AFP.",
            "asylum": "Cours de français, reconnaissance du diplôme, stage professionnel, bilan de compétences.",
        },
        "rt_to_assessment": "La situation est plus complexe que prévu ; un assessment est nécessaire.",
        "no_cm": [
            "Le suivi de l'ORP suffit ; pas de besoin de coordination.",
            "La personne a trouvé un emploi par elle-même ; une coordination n'est plus nécessaire.",
            "Le suivi du service social suffit ; les services se coordonnent directement.",
        ],
        "no_cm_result": "La situation est couverte par les mesures en cours.",
        "goals": {
            "general": [
                "Emploi stable sur le premier marché du travail (au moins 50 %)",
                "Stabiliser la santé et augmenter progressivement la capacité de travail",
                "Clarifier la situation financière et assainir les dettes",
                "Trouver une activité adaptée aux limitations de santé",
            ],
            "youth": [
                "Trouver une place d'apprentissage (AFP ou CFC) pour l'été prochain",
                "Construire une structure de journée et respecter les rendez-vous",
                "Clarifier le projet professionnel et faire deux stages d'observation",
            ],
            "asylum": [
                "Atteindre le niveau B1 en français",
                "Clarifier la reconnaissance du diplôme étranger",
                "Premier emploi fixe sur le premier marché du travail",
                "Ne plus dépendre de l'aide sociale",
            ],
        },
        "dated_goal": "D'ici au {date} : deux postulations par semaine, justificatifs au case manager",
        "changed_goal": "Emploi stable sur le premier marché du travail, d'abord à 50 %, puis augmentation à 80 %",
        "sheet": {
            "general": {
                "education": "École obligatoire ; apprentissage de gestionnaire du commerce de détail (CFC) ; permis de cariste",
                "work_experience": "Douze ans dans le commerce de détail et la logistique, en dernier dans l'entrepôt d'un grand distributeur",
                "languages": "Français (langue maternelle), allemand A2",
                "driving_licence": True,
            },
            "youth": {
                "education": "École obligatoire terminée ; année de transition interrompue après trois mois",
                "work_experience": "Stages de menuisier et d'électricien ; job d'été sur un chantier",
                "languages": "Français (langue maternelle), anglais A2",
                "driving_licence": False,
            },
            "asylum": {
                "education": "École secondaire et deux ans d'études dans le pays d'origine (non reconnus en Suisse)",
                "work_experience": "Huit ans de mécanicien dans un garage dans le pays d'origine",
                "languages": "Tigrigna (langue maternelle), arabe, français A2",
                "driving_licence": False,
            },
        },
        "sheet_cm": {
            "general": {
                "constraints": "Ne souhaite pas travailler la nuit ni le week-end ; ne peut pas rester longtemps debout",
                "other": "Fiable, bon contact ; membre de la société de gymnastique du village.",
            },
            "youth": {
                "constraints": "Ne veut pas travailler dans un bureau",
                "other": "Habile de ses mains, sportif (club de football) ; soutien de sa grand-mère.",
            },
            "asylum": {
                "constraints": "Cours d'intégration quatre matins par semaine jusqu'à l'été",
                "other": "Apprend vite, bon réseau dans la commune.",
            },
        },
        "childcare": "Deux enfants (7 et 10 ans) ; les grands-parents les gardent trois jours par semaine",
        "language_course": "Cours de français B1 (programme cantonal d'intégration)",
        "free_measure": "Job coaching sur le lieu de travail",
        "rt_note": "Invitation à la table ronde envoyée à tous les participants ; {first} a confirmé sa présence.",
        "send_back": [
            (
                "Il manque un objectif intermédiaire daté, et le financement du placement à l'essai n'est pas clarifié.",
                "Ajouter un objectif intermédiaire daté et clarifier le financement du placement à l'essai avec l'ORP.",
            ),
            (
                "L'office AI n'est pas encore impliqué alors que la capacité de travail est limitée.",
                "Prévoir d'abord une mesure d'orientation professionnelle de l'office AI, puis planifier le placement à l'essai.",
            ),
        ],
        "validate": ["D'accord.", "Validé, point de situation dans trois mois.", "Validé."],
        "first_meeting_note": "Premier entretien avec {first} : situation, objectifs et déroulement discutés, procuration signée.",
        "notes": [
            "Téléphone avec {first} : rendez-vous chez le médecin honoré, certificat à suivre.",
            "Dossier de candidature revu avec {first} ; trois postulations envoyées.",
            "Retour de l'entreprise : {first} est fiable et ponctuel·le.",
            "{first} a manqué un rendez-vous ; nouveau rendez-vous fixé.",
        ],
        "minutes": [
            "Procès-verbal de la séance de réseau avec les répondants et {first} : démarche confirmée, prochain échange dans trois mois.",
            "Procès-verbal de l'échange entre les services impliqués : financement de la prochaine mesure clarifié.",
            "Procès-verbal de la conférence téléphonique avec les répondants : informations échangées, pas de changement au plan.",
        ],
        "secretariat_note": "Invitations à l'assessment envoyées, données personnelles et adresse vérifiées.",
        "network_reason": [
            "Nouveau diagnostic : la capacité de travail a baissé, le stage doit être repensé.",
            "La personne souhaite une reconversion ; les institutions doivent revoir le financement.",
            "L'employeur du stage a fait faillite ; le réseau doit trouver une nouvelle solution.",
        ],
        "review_person": [
            "Point de situation avec {first} : les mesures se déroulent comme prévu, {first} est motivé·e.",
            "Entretien avec {first} : santé plus stable, premières postulations envoyées.",
            "Point de situation : le stage se passe bien, retour positif de l'entreprise.",
            "Rechute due à une maladie le mois dernier ; les rendez-vous sont de nouveau respectés.",
        ],
        "review_team": [
            "Séance trimestrielle avec les répondants : état du dossier discuté, tous les services informés.",
            "Séance trimestrielle : financement de la prochaine mesure clarifié, prochaines étapes coordonnées avec tous les services.",
            "Séance trimestrielle : progrès confirmés, les répondants soutiennent les mesures en cours.",
        ],
        "review_change": [
            "Les mesures actuelles ne suffisent pas ; le plan est complété par une nouvelle mesure.",
            "Nouvel avis médical : la capacité de travail est plus élevée que prévu ; le plan est adapté.",
        ],
        "review_cancelled": "Une mesure a dû être interrompue ; le plan est adapté avec une mesure de remplacement.",
        "review_finish": "Entretien final avec {first} : toutes les étapes du plan sont terminées.",
        "progress": {
            "running": ["en cours", "participation régulière", "rapport intermédiaire positif"],
            "done": ["terminée", "terminée avec succès, rapport reçu"],
            "cancelled": "interrompue (raisons de santé)",
            "finished_early": "terminée plus tôt : entrée en emploi",
        },
        "jobs": [
            "collaborateur·trice de production",
            "magasinier·ère",
            "vendeur·euse",
            "aide de cuisine",
            "employé·e d'intendance",
            "apprenti·e gestionnaire du commerce de détail AFP",
        ],
        "exit_placed": "{first} a été accompagné·e pendant {months} mois et a commencé un emploi chez {employer}.",
        "exit_other": "Un placement direct n'est pas possible ; {first} est suivi·e par {service}.",
        "exit_interrupted": "L'accompagnement a été interrompu après {months} mois.",
        "other_service_detail": {
            "ai": "Mesures professionnelles et examen du droit à la rente AI",
            "social": "Centre médico-social régional de la commune de domicile",
            "addiction": "Traitement résidentiel chez Addiction Valais",
        },
        "interruption": {
            InterruptionReason.REFUSES: "La personne ne souhaite plus être accompagnée.",
            InterruptionReason.MOVED: "Déménagement dans le canton de Vaud.",
            InterruptionReason.OTHER: "Séjour hospitalier prolongé ; accompagnement impossible pour l'instant.",
        },
        "letter": "Nous vous remercions de votre collaboration. Votre dossier CII est clôturé ; les documents sont archivés conformément aux dispositions légales.",
        "archive": "Dossier archivé.",
        "poa_not_renewed": "L'accompagnement s'est terminé de manière inattendue ; une nouvelle procuration n'a plus pu être signée.",
        "doctor": ("Dr {last}", "Cabinet médical, {town}", "médecin traitant"),
        "person_function": "personne concernée",
    },
}

# Catalogue measures (institution code, German name) a case manager would pick, per theme.
PREFERRED_MEASURES = {
    "general": {
        "rav": ["Bewerbungscoaching", "Programm zur vorübergehenden Beschäftigung (PvB)", "Einarbeitungszuschuss (EAZ)"],
        "ai": ["Berufliche Abklärung", "Arbeitsversuch", "Integrationsmassnahme", "Umschulung"],
        "social": [
            "Beschäftigung in einer Sozialfirma",
            "Budget- und Schuldenberatung",
            "Berufliche Eingliederungsmassnahme (Sozialhilfe)",
        ],
        "suva": ["Case Management Suva", "Evaluation der funktionellen Leistungsfähigkeit (EFL)", "Arbeitsplatzabklärung"],
        "addiction": ["Ambulante Suchtberatung", "Tagesstruktur mit Beschäftigung"],
        "vocational": ["Nachholbildung für Erwachsene (Art. 32 BBV)", "Validierung von Bildungsleistungen"],
        "guidance": ["Laufbahnberatung", "Potenzialabklärung"],
    },
    "youth": {
        "rav": ["Motivationssemester (SEMO)", "Berufspraktikum"],
        "vocational": ["Brückenangebot", "Case Management Berufsbildung", "Grundbildung mit eidgenössischem Berufsattest (EBA)"],
        "guidance": ["Berufswahlberatung für Jugendliche", "Eignungsabklärung"],
        "social": ["Soziale Eingliederungsmassnahme"],
        "ai": ["Frühinterventionsmassnahme"],
        "addiction": ["Ambulante Suchtberatung"],
        "suva": ["Case Management Suva"],
    },
    "asylum": {
        "social": ["Berufliche Eingliederungsmassnahme (Sozialhilfe)", "Beschäftigung in einer Sozialfirma"],
        "vocational": ["Validierung von Bildungsleistungen", "Grundbildung mit eidgenössischem Berufsattest (EBA)"],
        "guidance": ["Potenzialabklärung", "Laufbahnberatung"],
        "rav": ["Berufspraktikum", "Bewerbungscoaching"],
        "ai": ["Berufliche Abklärung"],
        "addiction": ["Ambulante Suchtberatung"],
        "suva": ["Case Management Suva"],
    },
}
LONG_MEASURES = {
    "Umschulung",
    "Nachholbildung für Erwachsene (Art. 32 BBV)",
    "Grundbildung mit eidgenössischem Berufsattest (EBA)",
}
EXTRA_INSTITUTIONS = {
    "general": ["ai", "social", "suva", "addiction", "rav"],
    "youth": ["vocational", "guidance", "rav"],
    "asylum": ["social", "vocational", "guidance"],
}
# Catalogue measures that take place at an employer: the demo links them to one of the
# region's employer contacts (CII101 step 4: "Arbeitgeberkontakte der IIZ-Partner").
MEASURES_AT_AN_EMPLOYER = {
    "Arbeitsversuch",
    "Einarbeitungszuschuss (EAZ)",
    "Berufspraktikum",
    "Arbeitsplatzabklärung",
    "Grundbildung mit eidgenössischem Berufsattest (EBA)",
}
EMPLOYERS_BY_REGION = {
    "ow": ["Lonza AG", "Matterhorn Gotthard Bahn", "Hotel Bergsonne", "Spitalzentrum Oberwallis", "Zermatt Bergbahnen AG"],
    "mw": ["Constructions du Rhône SA", "Hôpital du Valais", "Provins Valais", "Garage Alpina Sierre SA"],
    "uw": ["Migros Wallis", "Téléverbier SA", "Hôpital du Valais"],
}

# How many days ago the case manager first met the person, per state and variant. In
# implementation, variants 6 and 7 have a power of attorney expiring within a month, 8 and 9
# one that has expired (no review with the person since), 10 and 11 a renewed one.
FIRST_MEETING_DAYS_AGO = {
    CaseState.PLAN_PREPARATION: [(3, 8), (10, 20), (30, 45), (150, 200), (15, 25)],
    CaseState.PLAN_VALIDATION: [(25, 40), (45, 65), (180, 260), (25, 40)],
    CaseState.IMPLEMENTATION: [
        (160, 170),
        (180, 190),
        (200, 210),
        (225, 235),
        (255, 265),
        (295, 305),
        (342, 342),
        (350, 350),
        (392, 392),
        (405, 405),
        (418, 425),
        (465, 475),
    ],
    CaseState.NETWORK: [(170, 190), (230, 250), (280, 300)],
    CaseState.EXIT_REPORT: [(200, 380)] * 4,
    CaseState.AWAITING_CLOSURE: [(220, 420)] * 4,
    CaseState.CLOSED: [(220, 480)] * 10,
}

# Timestamps the actions set to "now", per model (moved to the simulated moment afterwards).
CASE_TIMES = [
    "reported_at",
    "meeting_decided_at",
    "cm_designated_at",
    "plan_submitted_at",
    "plan_validated_at",
    "implementation_finished_at",
    "exit_reported_at",
    "closed_at",
    "interrupted_at",
]
PLAN_TIMES = ["created_at", "submitted_at", "decided_at"]


def demo_ahv_numbers(count: int = DEMO_CASE_COUNT) -> list[str]:
    """The AHV numbers of the demo persons, valid (EAN-13 check digit) and unique; they mark
    the demo data as loaded."""
    rng = random.Random(SEED)
    numbers: list[str] = []
    while len(numbers) < count:
        first_twelve = "756" + "".join(str(rng.randint(0, 9)) for _ in range(9))
        number = normalize(first_twelve + str(check_digit(first_twelve)))
        if number not in numbers:
            numbers.append(number)
    return numbers


@dataclass
class Spec:
    state: str
    variant: int  # index among the demo cases ending in this state
    region: str
    theme: str | None
    language: str


def _specs(rng: random.Random) -> list[Spec]:
    regions = [code for code, n in REGION_COUNTS.items() for _ in range(n)]
    themes = [code for code, n in THEME_COUNTS.items() for _ in range(n)]
    themes += [None] * (DEMO_CASE_COUNT - len(themes))
    rng.shuffle(regions)
    rng.shuffle(themes)
    specs = []
    i = 0
    for state, n in STATE_COUNTS:
        for variant in range(n):
            region = regions[i]
            language = "de" if region == "ow" or (region == "mw" and rng.random() < 0.2) else "fr"
            specs.append(Spec(state, variant, region, themes[i], language))
            i += 1
    return specs


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _persons(rng: random.Random, specs: list[Spec], anchor: datetime.date) -> list[Person]:
    """One new (unsaved) person per spec, with a valid and unique AHV number."""
    sources = {
        ("de", "f"): DE_FEMALE,
        ("de", "m"): DE_MALE,
        ("fr", "f"): FR_FEMALE,
        ("fr", "m"): FR_MALE,
        ("de", "last"): DE_LAST,
        ("fr", "last"): FR_LAST,
        "asylum": ASYLUM_NAMES,
    }
    pools: dict = {key: [] for key in sources}

    def draw(key):
        if not pools[key]:  # every name used once: start again in another order
            pools[key] = rng.sample(sources[key], len(sources[key]))
        return pools[key].pop()

    persons = []
    for spec, ahv in zip(specs, demo_ahv_numbers()):
        if spec.theme == "asylum":
            first, last, sex = draw("asylum")
            age = rng.randint(22, 48)
        else:
            sex = rng.choice("fm")
            first = draw((spec.language, sex))
            last = draw((spec.language, "last"))
            age = rng.randint(17, 23) if spec.theme == "youth" else rng.randint(26, 60)
        town, postcode, streets = rng.choice(TOWNS[(spec.region, spec.language)])
        birth = anchor - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        phone = (
            f"07{rng.choice('689')} {rng.randint(200, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            if rng.random() < 0.8
            else ""
        )
        email = f"{_ascii(first)}.{_ascii(last)}@example.ch" if rng.random() < 0.4 else ""
        persons.append(
            Person(
                first_name=first,
                last_name=last,
                birth_date=birth,
                ahv_number=ahv,
                sex=sex,
                language=spec.language,
                street=f"{rng.choice(streets)} {rng.randint(1, 48)}",
                postcode=postcode,
                city=town,
                phone=phone,
                email=email,
            )
        )
    return persons


class Context:
    """What every demo case needs: the anchor day, the random source, users and reference rows."""

    def __init__(self, anchor: datetime.date, rng: random.Random):
        self.anchor = anchor
        self.rng = rng
        self.users = {u.username: u for u in User.objects.all()}
        missing = {username for username, *_rest in DEMO_USERS} - set(self.users)
        if missing:
            raise ValueError(f"Create the demo users first (missing: {', '.join(sorted(missing))}).")
        self.regions = {r.code: r for r in Region.objects.all()}
        self.themes = {t.code: t for t in Theme.objects.all()}
        self.institutions = {i.code: i for i in Institution.objects.all()}
        self.catalogue = {(m.institution.code, m.name_de): m for m in CatalogueMeasure.objects.select_related("institution")}
        self.employers = {e.company: e for e in EmployerContact.objects.all()}

    def coordinator_for(self, spec: Spec) -> User:
        name = f"coordinator-{spec.theme}" if spec.theme else f"coordinator-{spec.region}"
        return self.users[name]


class DemoCase:
    """One demo case: planned as dated events, then played with the real actions."""

    def __init__(self, ctx: Context, spec: Spec, person: Person):
        self.ctx, self.spec, self.person = ctx, spec, person
        self.rng = ctx.rng
        self.anchor = ctx.anchor
        self.t = TEXTS[spec.language]
        self.flavour = spec.theme or "general"
        self.coordinator = ctx.coordinator_for(spec)
        self.cm = ctx.users[CASE_MANAGER_BY_REGION[spec.region]]
        reporter = self.rng.choice(REPORTERS_BY_REGION[spec.region])
        self.reporter = ctx.users[reporter]
        self.reporting_institution = INSTITUTION_OF[reporter]
        self.cast = Cast(coordinator=self.coordinator, case_manager=self.cm, officer=ctx.users["officer"])
        self.institutions = self._pick_institutions()
        self.events: list[tuple[datetime.date, int, object, dict]] = []
        # The planner's view of the records while planning.
        self.goals: list[str] = []
        self.measures: list[dict] = []
        self.catalogue_choices = self._catalogue_choices()
        self.employer_turn = spec.variant  # which of the region's employers comes next (no random draw)
        self.poa_signed: datetime.date | None = None
        self.keep_running_until: datetime.date | None = None
        self.fm: datetime.date | None = None
        self.queues: dict[str, list[str]] = {}
        self.case: Case | None = None  # set while playing

    # --- planning helpers ------------------------------------------------------------

    def r(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def days(self, low: int, high: int) -> datetime.timedelta:
        return datetime.timedelta(days=self.rng.randint(low, high))

    def ago(self, days: int) -> datetime.date:
        return self.anchor - datetime.timedelta(days=days)

    def add(self, day: datetime.date, method, **kwargs) -> None:
        if self.events and day < self.events[-1][0]:
            raise ValueError(f"demo events out of order: {day} after {self.events[-1][0]}")
        if day >= self.anchor:
            raise ValueError(f"demo event in the future: {day}")
        self.events.append((day, self.r(7 * 60 + 30, 17 * 60), method, copy.deepcopy(kwargs)))

    def pick(self, key: str) -> str:
        """The next text of a list, in an order shuffled per case: no text twice in a row."""
        queue = self.queues.get(key)
        if not queue:
            queue = self.queues[key] = self.rng.sample(self.t[key], len(self.t[key]))
        return queue.pop()

    def fill(self, text: str, **extra) -> str:
        return text.format(first=self.person.first_name, last=self.person.last_name, **extra)

    @property
    def report_day(self) -> datetime.date:
        return self.events[0][0]

    def _pick_institutions(self) -> list[str]:
        codes = [self.reporting_institution]
        if INSTITUTION_OF[self.cm.username] not in codes:
            codes.append(INSTITUTION_OF[self.cm.username])
        extras = [c for c in EXTRA_INSTITUTIONS[self.flavour] if c not in codes]
        self.rng.shuffle(extras)
        wanted = self.r(max(2, len(codes)), 4)
        codes += extras[: max(0, wanted - len(codes))]
        return codes

    def _catalogue_choices(self) -> list[tuple[str, str]]:
        choices = []
        preferred = PREFERRED_MEASURES[self.flavour]
        order = self.institutions[:]
        self.rng.shuffle(order)
        for code in order:
            names = preferred.get(code, [])[:]
            self.rng.shuffle(names)
            choices += [(code, name) for name in names]
        return choices

    def _measure(self, start: datetime.date) -> dict:
        if self.catalogue_choices:
            code, name_de = self.catalogue_choices.pop(0)
            catalogue = self.ctx.catalogue.get((code, name_de))
        else:
            code, name_de, catalogue = self.institutions[0], "", None
        if catalogue:
            title = catalogue.name_fr if self.spec.language == "fr" else catalogue.name_de
        else:
            title = name_de or self.t["free_measure"]
        duration = self.r(300, 480) if name_de in LONG_MEASURES else self.r(45, 180)
        return {
            "title": title,
            "catalogue": catalogue.pk if catalogue else None,
            "employer": self._employer() if catalogue and name_de in MEASURES_AT_AN_EMPLOYER else None,
            "institution": code,
            "starts_on": start,
            "due_on": start + datetime.timedelta(days=duration),
            "status": MeasureStatus.PLANNED,
            "result": "",
        }

    def _employer(self) -> int | None:
        """The next of the region's employer contacts, in turn."""
        companies = EMPLOYERS_BY_REGION[self.spec.region]
        contact = self.ctx.employers.get(companies[self.employer_turn % len(companies)])
        self.employer_turn += 1
        return contact.pk if contact else None

    def _language_course(self, start: datetime.date) -> dict:
        code = "social" if "social" in self.institutions else self.institutions[0]
        return {
            "title": self.t["language_course"],
            "catalogue": None,
            "employer": None,
            "institution": code,
            "starts_on": start,
            "due_on": start + datetime.timedelta(days=self.r(150, 240)),
            "status": MeasureStatus.PLANNED,
            "result": "",
        }

    def _keep_one_running(self) -> None:
        """A case still in implementation keeps at least one measure running past today."""
        if self.keep_running_until and self.measures:
            last = self.measures[-1]
            floor = self.keep_running_until + self.days(20, 120)
            if last["due_on"] < floor:
                last["due_on"] = floor

    # --- planning: intake (CII101 steps 1-3) ---------------------------------------------

    def plan_intake(
        self,
        *,
        until: str,
        end_day: datetime.date,
        kind: str = MeetingKind.ASSESSMENT,
        escalate: bool = False,
        decision: str = MeetingDecision.CASE_MANAGEMENT,
        pending_on: datetime.date | None = None,
    ) -> datetime.date:
        """Report, round table or assessment, and its decision, the last kept step on ``end_day``.

        ``until``: "report", "decide" (meeting planned), "schedule" (assessment scheduled by the
        secretariat), "hold" (held, decision recorded) or "final" (case manager designated, or
        ended without case management). A meeting not held yet takes place on ``pending_on``
        (default: in the coming weeks)."""
        steps = [("report", 0), ("decide", self.r(2, 8))]
        if escalate:
            steps += [("rt_hold", self.r(10, 21)), ("escalate", self.r(0, 2))]
        if escalate or kind == MeetingKind.ASSESSMENT:
            steps += [("schedule", self.r(1, 4)), ("hold", self.r(12, 24))]
        else:
            steps += [("hold", self.r(10, 21))]
        steps += [("final", self.r(0, 1))]
        names = [name for name, _gap in steps]
        kept = steps[: names.index(until) + 1]
        day = end_day - datetime.timedelta(days=sum(gap for _name, gap in kept))
        dates = {}
        for name, gap in steps:
            day = day + datetime.timedelta(days=gap)
            dates[name] = day
        future = pending_on or self.anchor + self.days(3, 20)

        def when(step: str) -> datetime.date:
            return dates[step] if step in names[: len(kept)] else future

        reason = self.fill(self.rng.choice(self.t["reason"][self.flavour]), months=self.r(8, 20))
        self.add(dates["report"], self.play_report, reason=reason)
        if until == "report":
            return dates["report"]
        first_kind = MeetingKind.ROUND_TABLE if (escalate or kind == MeetingKind.ROUND_TABLE) else MeetingKind.ASSESSMENT
        if first_kind == MeetingKind.ROUND_TABLE:
            self.add(dates["decide"], self.play_decide, kind=first_kind, on=when("rt_hold" if escalate else "hold"))
        else:
            self.add(dates["decide"], self.play_decide, kind=first_kind, on=None)
        if escalate and until != "decide":
            self.add(
                dates["rt_hold"],
                self.play_hold,
                decision=MeetingDecision.ASSESSMENT,
                **self._meeting_result(MeetingKind.ROUND_TABLE),
            )
            self.add(dates["escalate"], self.play_escalate)
        if "schedule" in names and names.index(until) >= names.index("schedule"):
            self.add(dates["schedule"], self.play_schedule, on=when("hold"))
        if until in ("hold", "final"):
            held_kind = MeetingKind.ASSESSMENT if escalate else kind
            self.add(dates["hold"], self.play_hold, decision=decision, **self._meeting_result(held_kind))
        if until == "final":
            if decision == MeetingDecision.NO_CASE_MANAGEMENT:
                self.add(dates["final"], self.play_end_without_cm)
            else:
                self.add(dates["final"], self.play_designate)
        return dates[until]

    def _meeting_result(self, kind: str) -> dict:
        t = self.t
        capacity = 100 if self.flavour == "youth" else self.rng.choice([40, 50, 60, 70, 80, 100])
        medical = t["medical"][-1] if capacity == 100 else self.rng.choice(t["medical"][:-1]).format(wc=capacity)
        doctor = None
        if capacity < 100 and self.rng.random() < 0.6:
            name, organisation, function = t["doctor"]
            doctor = {
                "name": name.format(last=self.rng.choice(DE_LAST if self.spec.language == "de" else FR_LAST)),
                "organisation": organisation.format(town=self.person.city),
                "function": function,
            }
        return {
            "fields": {
                "work_capacity": capacity,
                "medical_situation": medical,
                "employability": self.rng.choice(t["employability"][self.flavour]),
                "social_situation": self.rng.choice(t["social"]),
                "result": self.rng.choice(t["result"]),
                "action_options": t["options"][self.flavour],
            },
            "doctor": doctor,
            "assessment": kind == MeetingKind.ASSESSMENT,
        }

    # --- planning: the action plan (CII101 steps 4, 5, 8) -------------------------------

    def plan_first_meeting(self, day: datetime.date) -> None:
        self.fm = day
        self.poa_signed = day
        self.add(day, self.play_first_meeting, note=self.fill(self.t["first_meeting_note"]))

    def plan_draft(self, day: datetime.date, *, complete: bool = True) -> None:
        """The first version: goals, and (when complete) measures from the catalogue."""
        if not self.goals:
            goals = self.t["goals"][self.flavour][:]
            self.rng.shuffle(goals)
            self.goals = goals[: self.r(2, 3)]
        if complete and not self.measures:
            start = day + self.days(14, 30)
            self.measures = [self._measure(start + self.days(0, 20)) for _ in range(self.r(2, 3))]
            if self.flavour == "asylum":
                self.measures.insert(0, self._language_course(start))
            self._keep_one_running()
        self.add(
            day,
            self.play_save_plan,
            goals=self.goals,
            measures=self.measures if complete else [],
            signed=False,
        )

    def plan_sign_and_submit(self, day: datetime.date, *, submit: bool = True) -> None:
        """The person and the case manager sign the plan; the case manager submits it."""
        if submit:
            self.add(day, self.play_sign_and_submit)
        else:
            self.add(
                day,
                self.play_save_plan,
                goals=self.goals,
                measures=self.measures,
                signed=True,
            )

    def plan_send_back(self, day: datetime.date) -> None:
        """The coordinator sends the plan back: version n is frozen, version n+1 opens."""
        reasons, options = self.rng.choice(self.t["send_back"])
        self.add(day, self.play_send_back, reasons=reasons, options=options)

    def plan_rework(self, day: datetime.date) -> None:
        """After a send back: a dated intermediate goal."""
        self.goals = self.goals + [self.t["dated_goal"].format(date=(day + self.days(40, 70)).strftime("%d.%m.%Y"))]
        self.add(
            day,
            self.play_save_plan,
            goals=self.goals,
            measures=self.measures,
            signed=False,
        )

    def plan_validate(self, day: datetime.date) -> None:
        self.add(day, self.play_validate, comment=self.rng.choice(self.t["validate"]))

    def plan_to_implementation(self, fm: datetime.date, *, send_back: bool = False) -> datetime.date:
        """First meeting, plan v1 drafted, signed, submitted (maybe sent back once) and validated."""
        self.plan_first_meeting(fm)
        day = fm + self.days(6, 14)
        self.plan_draft(day)
        day += self.days(5, 14)
        self.plan_sign_and_submit(day)
        if send_back:
            day += self.days(2, 7)
            self.plan_send_back(day)
            day += self.days(5, 12)
            self.plan_rework(day)
            day += self.days(1, 5)
            self.plan_sign_and_submit(day)
        day += self.days(2, 8)
        self.plan_validate(day)
        return day

    def plan_changed_version(self, day: datetime.date, *, submit: bool, validate: bool) -> datetime.date:
        """After a review decided to change the plan: the new version (a replacement
        measure, a later due date, a more precise goal), signed, submitted, validated."""
        running = [m for m in self.measures if m["status"] in (MeasureStatus.RUNNING, MeasureStatus.PLANNED)]
        if running:
            running[0]["due_on"] = running[0]["due_on"] + self.days(45, 90)
        if self.goals and self.flavour == "general" and self.t["changed_goal"] not in self.goals:
            self.goals = [self.t["changed_goal"]] + self.goals[1:]
        self.measures.append(self._measure(day + self.days(10, 25)))
        self._keep_one_running()
        self.add(
            day,
            self.play_save_plan,
            goals=self.goals,
            measures=self.measures,
            signed=False,
        )
        if not submit:
            return day
        day += self.days(3, 8)
        self.plan_sign_and_submit(day)
        if validate:
            day += self.days(2, 6)
            self.plan_validate(day)
        return day

    # --- planning: implementation and reviews (CII101 steps 6-9) ------------------------

    def _progress(self, day: datetime.date, *, finish: bool = False, cancel_one: bool = False) -> list[tuple[int, str, str]]:
        progress = []
        texts = self.t["progress"]
        cancelled = False
        for position, m in enumerate(self.measures):
            if m["status"] in (MeasureStatus.DONE, MeasureStatus.CANCELLED):
                continue
            if cancel_one and not cancelled and m["starts_on"] <= day:
                status, note = MeasureStatus.CANCELLED, texts["cancelled"]
                cancelled = True
            elif m["due_on"] <= day:
                status, note = MeasureStatus.DONE, self.rng.choice(texts["done"])
            elif finish:
                status, note = MeasureStatus.DONE, texts["finished_early"]
            elif m["starts_on"] <= day:
                status, note = MeasureStatus.RUNNING, self.rng.choice(texts["running"])
            else:
                continue
            m["status"], m["result"] = status, note
            progress.append((position, status, note))
        return progress

    def _poa_lasts_until_next_review(self, day: datetime.date) -> bool:
        """Whether the power of attorney signed last still covers a review with the person
        on ``day`` until the next one is due: otherwise the review renews it (the rule of
        actions.record_review)."""
        return one_year_after(self.poa_signed) >= deadlines.next_review_with_person_due(day)

    def plan_review_with_person(self, day: datetime.date, *, decision: str = ReviewDecision.CONTINUE) -> None:
        renew = not self._poa_lasts_until_next_review(day)
        if renew:
            self.poa_signed = day
        cancel = decision == ReviewDecision.CHANGE_PLAN and self.rng.random() < 0.5
        progress = self._progress(day, finish=decision == ReviewDecision.FINISH_PLAN, cancel_one=cancel)
        if decision == ReviewDecision.CHANGE_PLAN:
            cancelled = any(status == MeasureStatus.CANCELLED for _position, status, _note in progress)
            summary = self.t["review_cancelled"] if cancelled else self.pick("review_change")
        elif decision == ReviewDecision.FINISH_PLAN:
            summary = self.fill(self.t["review_finish"])
        else:
            summary = self.fill(self.pick("review_person"))
        self.add(
            day,
            self.play_review,
            kind=ReviewKind.WITH_PERSON,
            decision=decision,
            summary=summary,
            poa_check=PoaCheck.RENEWED if renew else PoaCheck.VALID,
            renew=renew,
            progress=progress,
        )

    def plan_team_review(self, day: datetime.date) -> None:
        self.add(
            day,
            self.play_review,
            kind=ReviewKind.TEAM,
            decision=ReviewDecision.CONTINUE,
            summary=self.pick("review_team"),
            poa_check=PoaCheck.NOT_APPLICABLE,
            renew=False,
            progress=[],
        )

    def plan_implementation(
        self, start: datetime.date, end: datetime.date, *, changes: tuple[int, ...] = (), renew: bool = True
    ) -> None:
        """Reviews with the person (about every two to three months) and quarterly team
        reviews from ``start`` to ``end``; the plan changes at the with-person reviews
        numbered in ``changes``. ``renew=False``: no review with the person once the power
        of attorney would not last until the next one (it then expires, or is expiring)."""
        next_person = start + self.days(45, 80)
        next_team = start + self.days(75, 95)
        count = 0
        day = start
        while True:
            day = min(next_person, next_team)
            if day > end:
                break
            if day == next_person:
                if not renew and not self._poa_lasts_until_next_review(day):
                    next_person = end + datetime.timedelta(days=1)
                    continue
                count += 1
                if count in changes and day + datetime.timedelta(days=40) < end:
                    self.plan_review_with_person(day, decision=ReviewDecision.CHANGE_PLAN)
                    day = self.plan_changed_version(day + self.days(3, 9), submit=True, validate=True)
                    next_team = max(next_team, day + self.days(20, 40))
                else:
                    self.plan_review_with_person(day)
                next_person = day + self.days(60, 95)
            else:
                self.plan_team_review(day)
                next_team = day + self.days(85, 100)
            if self.rng.random() < 0.45:
                note_day = day + self.days(3, 12)
                if note_day < min(next_person, next_team) and note_day <= end:
                    self.plan_note(note_day)

    def plan_note(self, day: datetime.date, *, minutes: bool | None = None) -> None:
        minutes = self.rng.random() < 0.3 if minutes is None else minutes
        if minutes:
            self.add(day, self.play_note, kind=JournalKind.MINUTES, by="coordinator", text=self.fill(self.pick("minutes")))
        else:
            self.add(day, self.play_note, kind=JournalKind.NOTE, by="cm", text=self.fill(self.pick("notes")))

    # --- planning: exit and closure (CII101 steps 10, 11) --------------------------------

    def _exit_fields(self, outcome: str, end: datetime.date) -> dict:
        months = max(1, (end - (self.fm or self.report_day)).days // 30)
        fields = {"outcome": outcome}
        if outcome == ExitOutcome.PLACED:
            company = self.rng.choice(EMPLOYERS_BY_REGION[self.spec.region])
            employer = self.ctx.employers.get(company)
            label = f"{employer.company}, {employer.city}" if employer else company
            fields.update(
                employer=label,
                job_title=self.rng.choice(self.t["jobs"]),
                job_start_on=end + self.days(0, 4),  # on or after the last review, on ``end``
                workload_percent=self.rng.choice([50, 60, 80, 80, 100, 100]),
                summary=self.fill(self.t["exit_placed"], months=months, employer=label),
            )
        elif outcome == ExitOutcome.OTHER_SERVICE:
            code = self.rng.choice(["ai", "ai", "social", "addiction"])
            service = self.ctx.institutions[code]
            detail = self.t["other_service_detail"][code]
            fields.update(
                other_service=code,
                other_service_detail=detail,
                summary=self.fill(
                    self.t["exit_other"], service=service.name_fr if self.spec.language == "fr" else service.name_de
                ),
            )
        else:
            fields.update(summary=self.fill(self.t["exit_interrupted"], months=months))
        return fields

    def plan_exit_report(self, day: datetime.date, outcome: str, end: datetime.date, *, submit: bool) -> None:
        self.add(day, self.play_exit_report, fields=self._exit_fields(outcome, end), submit=submit)

    def plan_interrupt(self, day: datetime.date, reason: str, *, by: str) -> None:
        self.add(day, self.play_interrupt, reason=reason, note=self.t["interruption"][reason], by=by)

    def plan_close(self, day: datetime.date) -> None:
        self.add(day, self.play_close, with_letter=self.rng.random() < 0.5)

    # --- planning: one case per target state ------------------------------------------

    def plan(self) -> None:
        s, v = self.spec.state, self.spec.variant
        kind = MeetingKind.ROUND_TABLE if self.rng.random() < 0.35 else MeetingKind.ASSESSMENT
        if s == CaseState.REPORTED:
            self.plan_intake(until="report", end_day=self.ago(self.r(1, 12)))
        elif s == CaseState.ROUND_TABLE:
            self.plan_intake(until="decide", end_day=self.ago(self.r(2, 20)), kind=MeetingKind.ROUND_TABLE)
            if v % 2:
                self.add(self.ago(1), self.play_note, kind=JournalKind.NOTE, by="coordinator", text=self.fill(self.t["rt_note"]))
        elif s == CaseState.ASSESSMENT:
            if v == 1:
                self.plan_intake(until="schedule", end_day=self.ago(self.r(2, 10)), escalate=True)
            elif v == 2:
                self.plan_intake(until="hold", end_day=self.ago(self.r(1, 3)))
            else:
                last = self.plan_intake(until="schedule", end_day=self.ago(self.r(4, 14)))
                self.add(last, self.play_note, kind=JournalKind.NOTE, by="secretariat", text=self.t["secretariat_note"])
        elif s == CaseState.NO_CASE_MANAGEMENT:
            self.plan_intake(
                until="final",
                end_day=self.ago(self.r(20, 420)),
                kind=MeetingKind.ROUND_TABLE,
                decision=MeetingDecision.NO_CASE_MANAGEMENT,
            )
        elif s == CaseState.CM_DESIGNATED:
            end = self.ago(self.r(17, 25)) if v == 2 else self.ago(self.r(1, 9))
            self.plan_intake(until="final", end_day=end, kind=kind, escalate=v == 3)
        else:
            self.plan_late(kind)

    def plan_late(self, kind: str) -> None:
        s, v = self.spec.state, self.spec.variant
        if s == CaseState.CLOSED and v == 7:
            return self.plan_closed_before_designation()
        fm = self.ago(self.r(*FIRST_MEETING_DAYS_AGO[s][v]))
        self.plan_intake(until="final", end_day=fm - self.days(4, 13), kind=kind, escalate=self.rng.random() < 0.15)

        if s == CaseState.PLAN_PREPARATION:
            if v != 3:
                self.plan_first_meeting(fm)
            if v == 0:
                self.plan_draft(fm + self.days(1, 2), complete=False)
            elif v in (1, 4):
                self.plan_draft(fm + self.days(4, 8))
                if v == 4:
                    self.plan_sign_and_submit(fm + self.days(10, 14), submit=False)
            elif v == 2:
                self.plan_draft(fm + self.days(5, 8))
                self.plan_sign_and_submit(fm + self.days(12, 18))
                self.plan_send_back(self.ago(self.r(2, 8)))
            else:
                start = self.plan_to_implementation(fm)
                change = self.ago(self.r(8, 14))
                self.plan_implementation(start, change - datetime.timedelta(days=10))
                self.plan_review_with_person(change, decision=ReviewDecision.CHANGE_PLAN)
                self.plan_changed_version(change + self.days(3, 6), submit=False, validate=False)
        elif s == CaseState.PLAN_VALIDATION:
            if v == 2:
                start = self.plan_to_implementation(fm)
                change = self.ago(self.r(16, 24))
                self.plan_implementation(start, change - datetime.timedelta(days=10))
                self.plan_review_with_person(change, decision=ReviewDecision.CHANGE_PLAN)
                self.plan_changed_version(change + self.days(3, 5), submit=True, validate=False)
            else:
                self.plan_first_meeting(fm)
                day = fm + self.days(5, 10)
                self.plan_draft(day)
                day += self.days(5, 10)
                self.plan_sign_and_submit(day)
                if v == 1:
                    day += self.days(3, 6)
                    self.plan_send_back(day)
                    day += self.days(5, 10)
                    self.plan_rework(day)
                    day += self.days(1, 4)
                    self.plan_sign_and_submit(day)
        elif s == CaseState.IMPLEMENTATION:
            end = self.ago(self.r(2, 20))
            self.keep_running_until = self.anchor
            changes = {2: (1,), 4: (1, 2), 5: (2,), 11: (2, 4)}.get(v, ())
            start = self.plan_to_implementation(fm, send_back=v in (1, 7))
            self.plan_implementation(start, end, changes=changes, renew=v not in (6, 7, 8, 9))
        elif s == CaseState.NETWORK:
            # Back to the network: a network meeting (variants 0, 2) or a new assessment (1) asked for.
            ask = self.ago(self.r(2, 9))
            start = self.plan_to_implementation(fm)
            self.plan_implementation(start, ask - datetime.timedelta(days=10))
            kind = MeetingKind.ASSESSMENT if v == 1 else MeetingKind.NETWORK
            self.add(ask, self.play_ask_network, kind=kind, reason=self.t["network_reason"][v])
        else:
            self.plan_ending(fm)

    def plan_ending(self, fm: datetime.date) -> None:
        """Exit report, awaiting closure and closed: implementation, then the exit."""
        s, v = self.spec.state, self.spec.variant
        outcome = {
            CaseState.EXIT_REPORT: [ExitOutcome.PLACED, ExitOutcome.PLACED, ExitOutcome.INTERRUPTED, ExitOutcome.OTHER_SERVICE],
            CaseState.AWAITING_CLOSURE: [
                ExitOutcome.PLACED,
                ExitOutcome.PLACED,
                ExitOutcome.OTHER_SERVICE,
                ExitOutcome.INTERRUPTED,
            ],
            CaseState.CLOSED: [ExitOutcome.PLACED] * 4 + [ExitOutcome.OTHER_SERVICE] * 3 + [ExitOutcome.INTERRUPTED] * 3,
        }[s][v]
        if s == CaseState.CLOSED and v == 9:
            # Interrupted while the plan was being prepared: a long stay in hospital.
            self.plan_first_meeting(fm)
            self.plan_draft(fm + self.days(5, 10))
            self.plan_interrupt(fm + self.days(20, 30), InterruptionReason.OTHER, by="cm")
            day = fm + self.days(32, 40)
            self.plan_exit_report(day, outcome, day, submit=True)
            self.plan_close(day + self.days(3, 12))
            return
        start = self.plan_to_implementation(fm, send_back=self.rng.random() < 0.25)
        if s == CaseState.EXIT_REPORT:
            report_day = self.ago(self.r(1, 6))
            end = report_day - self.days(5, 20)
            close_day = None
        elif s == CaseState.AWAITING_CLOSURE:
            report_day = self.ago(self.r(2, 15))
            end = report_day - self.days(7, 20)
            close_day = None
        else:
            close_day = self.ago(self.r(5, 120))
            report_day = close_day - self.days(3, 20)
            end = report_day - self.days(7, 20)
        shortfall = start + datetime.timedelta(days=60) - end  # at least two months of implementation
        if shortfall > datetime.timedelta(0):
            end, report_day = end + shortfall, report_day + shortfall
            close_day = close_day + shortfall if close_day else None
        changes = (1,) if self.rng.random() < 0.4 else ()
        if outcome == ExitOutcome.INTERRUPTED:
            self.plan_implementation(start, end - datetime.timedelta(days=5), changes=changes)
            reason = InterruptionReason.REFUSES if s == CaseState.EXIT_REPORT else InterruptionReason.MOVED
            self.plan_interrupt(end, reason, by="cm")
        else:
            self.plan_implementation(start, end - datetime.timedelta(days=5), changes=changes)
            self.plan_review_with_person(end, decision=ReviewDecision.FINISH_PLAN)
        if s == CaseState.EXIT_REPORT:
            if v in (1, 3):
                self.plan_exit_report(report_day, outcome, end, submit=False)
            return
        self.plan_exit_report(report_day, outcome, end, submit=True)
        if s == CaseState.CLOSED:
            self.plan_close(close_day)

    def plan_closed_before_designation(self) -> None:
        """The person refused the assessment: interrupted by the coordinator, closed."""
        scheduled_day = self.ago(self.r(150, 300))
        interrupt_day = scheduled_day - self.days(3, 8)
        self.plan_intake(until="schedule", end_day=interrupt_day - self.days(10, 16), pending_on=scheduled_day)
        self.plan_interrupt(interrupt_day, InterruptionReason.REFUSES, by="coordinator")
        day = interrupt_day + self.days(2, 7)
        self.plan_exit_report(day, ExitOutcome.INTERRUPTED, interrupt_day, submit=True)
        self.plan_close(day + self.days(3, 15))

    # --- playing ------------------------------------------------------------------------

    def play(self, clock: Clock) -> Case:
        last = None
        # The people working on the case speak the person's language in the demo: the texts
        # they type are in it (what the application says is rendered in each reader's).
        with translation.override(self.spec.language):
            for day, minute, method, kwargs in self.events:
                moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60)))
                if last and moment <= last:
                    moment = last + datetime.timedelta(minutes=7)
                method(day, **kwargs)
                clock.mark(moment)
                clock.restamp_case(self.case)
                last = moment
        return self.case

    def user(self, role: str) -> User:
        return {"cm": self.cm, "coordinator": self.coordinator, "secretariat": self.ctx.users["secretariat"]}[role]

    def play_report(self, day: datetime.date, *, reason: str) -> None:
        ctx = self.ctx
        self.case = actions.report_case(
            by=self.reporter,
            person=self.person,
            reporting_institution=ctx.institutions[self.reporting_institution],
            institutions=[ctx.institutions[c] for c in self.institutions],
            region=ctx.regions[self.spec.region],
            theme=ctx.themes[self.spec.theme] if self.spec.theme else None,
            reason=reason,
        )
        self._reference_of_the_report_year(day)

    def _reference_of_the_report_year(self, day: datetime.date) -> None:
        """The reference carries the year of the report: a case reported last year gets that
        year's next number, and this year's number goes back to the counter."""
        case = self.case
        this_year = int(case.reference.split("-")[1])
        if day.year == this_year:
            return
        number = int(case.reference.rsplit("-", 1)[1])
        ReferenceCounter.objects.filter(year=this_year, last=number).update(last=number - 1)
        reference = actions.next_reference(day)
        Case.objects.filter(pk=case.pk).update(reference=reference)
        Case.history.filter(id=case.pk).update(reference=reference)
        case.reference = reference

    def _meeting(self) -> Meeting:
        return self.case.meetings.order_by("-pk").first()

    def _place(self) -> str:
        return MEETING_PLACE[(self.spec.region, self.spec.language)]

    def _at(self, day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))

    def play_decide(self, day: datetime.date, *, kind: str, on: datetime.date | None) -> None:
        if on is None:
            walk(self.case, CaseState(kind), self.cast, today=day, meeting_kind=kind)
        else:
            actions.plan_meeting(self.case, by=self.coordinator, kind=kind, scheduled_for=self._at(on, 14), place=self._place())

    def play_schedule(self, day: datetime.date, *, on: datetime.date) -> None:
        meeting = self._meeting()
        meeting.scheduled_for = self._at(on, 9)
        meeting.place = self._place()
        actions.save_meeting(meeting, by=self.ctx.users["secretariat"])

    def play_hold(self, day: datetime.date, *, decision: str, fields: dict, doctor: dict | None, assessment: bool) -> None:
        meeting = self._meeting()
        meeting.held_on = day
        meeting.place = meeting.place or self._place()
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.decision = decision
        if decision == MeetingDecision.CASE_MANAGEMENT:
            meeting.designated_cm = self.cm
            meeting.lead_institution = self.ctx.institutions[INSTITUTION_OF[self.cm.username]]
        elif decision == MeetingDecision.NO_CASE_MANAGEMENT:
            meeting.decision_reason = self.rng.choice(self.t["no_cm"])
            meeting.result = self.t["no_cm_result"]
        else:
            meeting.decision_reason = self.t["rt_to_assessment"]
        participants = [{"user": self.coordinator}, {"user": self.reporter}]
        if self.cm != self.reporter:
            participants.append({"user": self.cm})
        if assessment:
            participants.append({"user": self.ctx.users["secretariat"]})
        participants.append({"name": self.person.full_name, "function": self.t["person_function"]})
        if doctor:
            participants.append(doctor)
        sheet = self._sheet_at_meeting(fields["work_capacity"]) if decision == MeetingDecision.CASE_MANAGEMENT else None
        actions.save_meeting(meeting, by=self.coordinator, participants=participants, resources=sheet)

    def play_escalate(self, day: datetime.date) -> None:
        actions.plan_meeting(self.case, by=self.coordinator, kind=MeetingKind.ASSESSMENT)

    def play_designate(self, day: datetime.date) -> None:
        actions.designate_case_manager(self.case, by=self.coordinator)

    def play_end_without_cm(self, day: datetime.date) -> None:
        actions.end_without_case_management(self.case, by=self.coordinator)

    def play_first_meeting(self, day: datetime.date, *, note: str) -> None:
        actions.start_plan(self.case, by=self.cm, first_meeting_on=day)
        actions.record_power_of_attorney(self.case, by=self.cm, signed_on=day, institutions=self.case.institutions.all())
        actions.add_journal_entry(self.case, by=self.cm, kind=JournalKind.NOTE, text=note)

    def _sheet_at_meeting(self, work_capacity: int) -> ResourcesSheet:
        """The resources data sheet as the person states it at the round table or assessment."""
        facts = self.t["sheet"][self.flavour]
        return ResourcesSheet(
            case=self.case,
            work_capacity=work_capacity,
            has_car=facts["driving_licence"] and self.spec.variant % 2 == 0,
            **facts,
        )

    def _sheet_with_the_plan(self) -> ResourcesSheet | None:
        """What the case manager adds to the sheet with the person, writing the first plan
        (None once done: later versions leave the sheet as it is)."""
        sheet = self.case.records.resources_sheet or ResourcesSheet(case=self.case)
        if sheet.other:
            return None
        for name, value in self.t["sheet_cm"][self.flavour].items():
            setattr(sheet, name, value)
        if self.flavour != "youth" and self.spec.variant % 3 == 0:
            sheet.childcare = self.t["childcare"]
        return sheet

    def play_save_plan(self, day: datetime.date, *, goals: list[str], measures: list[dict], signed: bool) -> None:
        # The actions refresh the case's records after every change, so they are current here.
        plan = self.case.records.current_plan
        plan.signature_place = OFFICE[self.spec.region]
        plan.signed_by_person_on = day if signed else None
        plan.signed_by_cm_on = day if signed else None
        existing = plan.measures_list
        rows = []
        for position, m in enumerate(measures):
            row = {
                "title": m["title"],
                "catalogue_measure_id": m["catalogue"],
                "employer_contact_id": m["employer"],
                "responsible_institution": self.ctx.institutions[m["institution"]],
                "starts_on": m["starts_on"],
                "due_on": m["due_on"],
                "status": m["status"],
                "result": m["result"],
            }
            if position < len(existing):
                row["id"] = existing[position].pk
            rows.append(row)
        actions.save_plan(plan, by=self.cm, goals=goals, measures=rows, resources=self._sheet_with_the_plan())

    def play_sign_and_submit(self, day: datetime.date) -> None:
        walk(self.case, CaseState.PLAN_VALIDATION, self.cast, today=day)

    def play_send_back(self, day: datetime.date, *, reasons: str, options: str) -> None:
        actions.send_back_plan(self.case, by=self.coordinator, reasons=reasons, options=options)

    def play_validate(self, day: datetime.date, *, comment: str) -> None:
        if self.spec.language == "de":
            walk(self.case, CaseState.IMPLEMENTATION, self.cast, today=day)
        else:
            actions.validate_plan(self.case, by=self.coordinator, comment=comment)

    def play_review(
        self,
        day: datetime.date,
        *,
        kind: str,
        decision: str,
        summary: str,
        poa_check: str,
        renew: bool,
        progress: list[tuple[int, str, str]],
    ) -> None:
        case = self.case
        measures = case.records.current_plan.measures_list
        author = self.cm if kind == ReviewKind.WITH_PERSON else self.coordinator
        review = Review(kind=kind, held_on=day, summary=summary, poa_check=poa_check, decision=decision, network_informed=True)
        actions.record_review(
            case,
            by=author,
            review=review,
            progress=[
                {"measure_id": measures[position].pk, "status": status, "note": note} for position, status, note in progress
            ],
            poa_signed_on=day if renew else None,
            poa_institutions=case.institutions.all() if renew else (),
        )

    def play_ask_network(self, day: datetime.date, *, kind: str, reason: str) -> None:
        actions.ask_network(self.case, by=self.cm, kind=kind, reason=reason)

    def play_note(self, day: datetime.date, *, kind: str, by: str, text: str) -> None:
        actions.add_journal_entry(self.case, by=self.user(by), kind=kind, text=text)

    def play_interrupt(self, day: datetime.date, *, reason: str, note: str, by: str) -> None:
        actions.interrupt(self.case, by=self.user(by), reason=reason, note=note)

    def play_exit_report(self, day: datetime.date, *, fields: dict, submit: bool) -> None:
        case = self.case
        report = case.records.exit_report
        for name, value in fields.items():
            if name == "other_service":
                report.other_service = self.ctx.institutions[value]
            else:
                setattr(report, name, value)
        report.power_of_attorney = report.powers_of_attorney_valid_at_end().first()
        if report.power_of_attorney is None:
            report.poa_not_renewed_reason = self.t["poa_not_renewed"]
        author = case.case_manager or self.coordinator
        actions.save_exit_report(report, by=author)
        if submit:
            actions.submit_exit_report(case, by=author)

    def play_close(self, day: datetime.date, *, with_letter: bool) -> None:
        if with_letter:
            actions.close_case(self.case, by=self.cast.officer, letter_text=self.t["letter"], archive_note=self.t["archive"])
        else:
            walk(self.case, CaseState.CLOSED, self.cast, today=day)


def _update_rows(model, fields: list[str], rows: list[tuple[int, list]]) -> None:
    """UPDATE the given datetime columns of each row, all rows of a table in one executemany:
    the demo has a few thousand such rows, and a bulk_update (one CASE per row and column)
    or an update() per row would take longer than all the actions together."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s"
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[adapt(v) for v in values] + [pk] for pk, values in rows])


class Clock:
    """Moves the timestamps written while playing to the simulated moments of their events.

    The actions stamp what they write with the real time. ``mark(moment)`` after each event
    records the real time at its end and its simulated moment; a timestamp written during
    an event then becomes that moment plus the (tiny) real time since the event began, so
    the order inside an event is kept.
    """

    def __init__(self):
        self.started = timezone.now()
        self.bounds: list[datetime.datetime] = []
        self.moments: list[datetime.datetime] = []

    def mark(self, moment: datetime.datetime) -> None:
        self.bounds.append(timezone.now())
        self.moments.append(moment)

    def simulated(self, value: datetime.datetime) -> datetime.datetime:
        k = min(bisect.bisect_left(self.bounds, value), len(self.bounds) - 1)
        begin = self.bounds[k - 1] if k else self.started
        return self.moments[k] + (value - begin)

    def restamp_case(self, case: Case) -> None:
        """The step dates of ``case`` that the last event set, moved to its simulated moment
        at once, in the database and on ``case``: the rules on dates that later actions
        check read them (a first meeting after the designation, a review after the plan's
        validation, the power of attorney on the day the support ended)."""
        moved = {
            name: self.simulated(value)
            for name in CASE_TIMES
            if (value := getattr(case, name)) is not None and value > self.started
        }
        if moved:
            Case.objects.filter(pk=case.pk).update(**moved)
            for name, value in moved.items():
                setattr(case, name, value)

    def restamp(self, case_ids: list[int]) -> None:
        """Every timestamp of the demo cases' records (and their history) set to "now" by
        the actions: reported_at and the step dates, journal, plans, reviews, ..."""
        person_ids = list(Case.objects.filter(pk__in=case_ids).values_list("person_id", flat=True))
        plan_ids = list(ActionPlan.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))
        targets = [
            (Case.objects.filter(pk__in=case_ids), [*CASE_TIMES, "updated_at"]),
            (Case.history.filter(id__in=case_ids), ["history_date", *CASE_TIMES]),
            (Person.objects.filter(pk__in=person_ids), ["created_at"]),
            (Person.history.filter(id__in=person_ids), ["history_date", "created_at"]),
            (Meeting.objects.filter(case_id__in=case_ids), ["created_at"]),
            (Meeting.history.filter(case_id__in=case_ids), ["history_date", "created_at"]),
            (ActionPlan.objects.filter(case_id__in=case_ids), PLAN_TIMES),
            (ActionPlan.history.filter(case_id__in=case_ids), ["history_date", *PLAN_TIMES]),
            (Goal.history.filter(plan_id__in=plan_ids), ["history_date"]),
            (Measure.history.filter(plan_id__in=plan_ids), ["history_date"]),
            (ResourcesSheet.objects.filter(case_id__in=case_ids), ["updated_at"]),
            (ResourcesSheet.history.filter(case_id__in=case_ids), ["history_date", "updated_at"]),
            (Review.objects.filter(case_id__in=case_ids), ["created_at"]),
            (Review.history.filter(case_id__in=case_ids), ["history_date", "created_at"]),
            (PowerOfAttorney.objects.filter(case_id__in=case_ids), ["created_at"]),
            (PowerOfAttorney.history.filter(case_id__in=case_ids), ["history_date", "created_at"]),
            (ExitReport.objects.filter(case_id__in=case_ids), ["created_at", "submitted_at"]),
            (ExitReport.history.filter(case_id__in=case_ids), ["history_date", "created_at", "submitted_at"]),
            (Closure.objects.filter(case_id__in=case_ids), ["closed_at"]),
            (JournalEntry.objects.filter(case_id__in=case_ids), ["at"]),
            (Notification.objects.filter(case_id__in=case_ids), ["created_at"]),
        ]
        for queryset, fields in targets:
            fresh = reduce(or_, [Q(**{f"{name}__gt": self.started}) for name in fields])
            rows = [
                (pk, [self.simulated(v) if v is not None and v > self.started else v for v in values])
                for pk, *values in queryset.filter(fresh).values_list("pk", *fields)
            ]
            if rows:
                _update_rows(queryset.model, fields, rows)


def plan_demo_cases(anchor: datetime.date) -> list[DemoCase]:
    """The demo cases, planned (not yet played), in the order they were reported."""
    ctx = Context(anchor, random.Random(SEED))
    specs = _specs(ctx.rng)
    persons = _persons(ctx.rng, specs, anchor)
    # A person reported again: a round table found no need for case management some time
    # ago (a closed case); now there is a new report.
    again = next(i for i, spec in enumerate(specs) if spec.state == CaseState.REPORTED)
    earlier = next(i for i, spec in enumerate(specs) if spec.state == CaseState.NO_CASE_MANAGEMENT)
    specs[again] = dataclasses.replace(specs[earlier], state=specs[again].state, variant=specs[again].variant)
    persons[again] = persons[earlier]
    cases = [DemoCase(ctx, spec, person) for spec, person in zip(specs, persons)]
    for demo in cases:
        demo.plan()
    cases.sort(key=lambda c: (c.report_day, c.events[0][1]))
    return cases


def play_disputes(case_ids: list[int]) -> list:
    """Two disputes between institutions, through the real actions (seed 004): on a case of
    one region the coordinator settles it at a regional exchange; on a case of another the
    coordination meeting fails, the coordinator escalates it and the officer refers it to the
    legal commission."""
    from cases.disputes import actions as disputes

    officer = User.objects.get(username="officer")
    chosen, regions = [], set()
    for case in Case.objects.filter(pk__in=case_ids, state=CaseState.IMPLEMENTATION, theme=None).order_by("region__code", "pk"):
        if case.coordinator_id and case.region_id not in regions and case.institutions.count() >= 2:
            chosen.append(case)
            regions.add(case.region_id)
        if len(chosen) == 2:
            break
    today = timezone.localdate()
    made = []
    for case, settled in zip(chosen, (True, False)):
        coordinator = case.coordinator
        institutions = list(case.institutions.order_by("code")[:2])
        names = " / ".join(i.short_de for i in institutions)
        if settled:
            dispute = disputes.record_dispute(
                case,
                by=coordinator,
                institutions=institutions,
                subject="costs",
                description=f"{names}: Wer übernimmt die Kosten des Bewerbungscoachings?",
                proposal="Die Kosten werden je zur Hälfte getragen.",
            )
            disputes.record_exchange(
                dispute,
                by=coordinator,
                kind="regional_exchange",
                held_on=today - datetime.timedelta(days=3),
                participants=f"{coordinator}, IIZ-Ansprechpersonen {names}",
                outcome="Beide Stellen sind mit der hälftigen Teilung einverstanden.",
            )
            disputes.settle_dispute(dispute, by=coordinator, settlement="Kosten je zur Hälfte; Rechnung über das RAV.")
        else:
            dispute = disputes.record_dispute(
                case,
                by=coordinator,
                institutions=institutions,
                subject="competence",
                description=f"{names}: Welche Stelle ist für die Arbeitsintegration zuständig?",
                proposal="Die IV-Stelle übernimmt die Führung, die Sozialhilfe sichert den Lebensunterhalt.",
            )
            disputes.record_exchange(
                dispute,
                by=coordinator,
                kind="coordination_meeting",
                held_on=today - datetime.timedelta(days=10),
                participants=f"{coordinator}, IIZ-Ansprechpersonen {names}",
                outcome="Keine Einigung über die Zuständigkeit.",
            )
            disputes.escalate_dispute(dispute, by=coordinator, reason="Die Stellen halten an ihrer Sicht fest.")
            disputes.refer_dispute_to_commission(
                dispute,
                by=officer,
                kind="pre_financing",
                amount=Decimal("4800.00"),
                paying_institution=institutions[0],
                justification="Vorfinanzierung des Arbeitstrainings durch den Beschäftigungsfonds, bis die Zuständigkeit geklärt ist.",
            )
        made.append(dispute)
    return made


def demo_data_present() -> bool:
    return Person.objects.filter(ahv_number__in=demo_ahv_numbers()).exists()


@transaction.atomic
def seed_cases(*, anchor: datetime.date | None = None) -> int:
    """Create the demo cases (after the demo users). Returns how many were created: 0 when
    they are already there."""
    if demo_data_present():
        return 0
    if not CatalogueMeasure.objects.exists():
        load_case_reference_data(CatalogueMeasure, EmployerContact, Institution)
    cases = plan_demo_cases(anchor or timezone.localdate())
    # The demo re-dates the journal and the change history it wrote (Clock.restamp): on
    # PostgreSQL the append-only triggers let the tables' owner do so in this transaction.
    chain.allow_rewrite()
    clock = Clock()
    with notices.held_back():  # the demo replays the past: nobody is told of it by e-mail
        for demo in cases:
            demo.play(clock)
    case_ids = [demo.case.pk for demo in cases]
    clock.restamp(case_ids)
    chain.rebuild(JournalEntry)  # the journal's hash chain covers the dates just moved
    with notices.held_back():  # the meetings of the calendar, from today on (cases/demo/meetings.py)
        seed_meetings()
    # The validations moved to their simulated moments: the kept deadline dates follow.
    deadlines.refresh_kept_dates(Case.objects.filter(pk__in=case_ids))
    with notices.held_back():
        play_disputes(case_ids)
    # The accounting and the conferences of the secretariat (cases/demo/accounting.py).
    seed_accounting(anchor or timezone.localdate())
    seed_conferences(anchor or timezone.localdate())
    # What the demo users were told more than a few days ago they have seen; the bell shows
    # the rest.
    seen_before = timezone.now() - datetime.timedelta(days=UNREAD_DAYS)
    for user in User.objects.filter(notifications__created_at__lt=seen_before).distinct():
        notifications.mark_read(user, list(user.notifications.filter(created_at__lt=seen_before)))
    with notices.held_back():  # the requesters are told of the decisions under the bell only
        seed_commission(case_ids)
    return len(cases)


def seed_commission(case_ids: list[int]) -> None:
    """The legal commission and the fund, through their actions: the fund of the year with
    its budget; a sitting held two weeks ago that approved a pre-financing (paid, and refunded
    once the disability insurance paid), rejected a subsidiary financing and deferred a risk
    acceptance; a sitting to come with a subsidiary financing on its agenda; and one
    pre-financing submitted, waiting for the officer's check. Dated today (the journal says so)."""
    from decimal import Decimal

    from cases.commission import actions as commission

    officer = User.objects.get(username="officer")
    legal = User.objects.get(username="legal")
    ai = Institution.objects.get(code="ai")
    today = timezone.localdate()
    held_on = max(today - datetime.timedelta(days=14), today.replace(month=1, day=1))
    cases = list(
        Case.objects.filter(pk__in=case_ids, state=CaseState.IMPLEMENTATION, case_manager__isnull=False)
        .select_related("case_manager")
        .order_by("pk")[:5]
    )

    def ask(case: Case, kind: str, amount: str, justification: str, **fields):
        plan = case.plans.order_by("-version").first()
        measure = plan.measures.order_by("position", "pk").first() if "proposed_measure" not in fields else None
        return commission.request_funding(
            case, by=case.case_manager, kind=kind, amount=Decimal(amount), justification=justification, measure=measure, **fields
        )

    commission.set_budget(by=officer, year=today.year, budget=Decimal("250000"))
    past = commission.schedule_sitting(by=officer, held_on=held_on, place="Sitten, Place de la Planta 3")
    coming = commission.schedule_sitting(
        by=officer, held_on=today + datetime.timedelta(days=21), place="Sitten, Place de la Planta 3"
    )
    approved = ask(
        cases[0],
        "pre_financing",
        "12000",
        "Die Massnahme muss vor dem Entscheid der IV beginnen, sonst geht die Stelle verloren.",
        paying_institution=ai,
    )
    rejected = ask(
        cases[1],
        "subsidiary",
        "4800",
        "Ein privates Job-Coaching passt zur Person.",
        proposed_measure="Job-Coaching bei einem privaten Anbieter",
        no_catalogue_reason="Kein Katalog der Partner bietet ein Coaching in dieser Form an.",
    )
    deferred = ask(cases[2], "risk", "0", "Arbeitsversuch mit Risiko eines Rückfalls; der Arbeitgeber ist einverstanden.")
    for request in (approved, rejected, deferred):
        commission.put_on_agenda(request, by=officer, sitting=past)
    commission.decide_request(
        approved,
        by=legal,
        outcome="approved_with_changes",
        amount=Decimal("10000"),
        conditions="Bewilligt für sechs Monate; Zwischenbericht nach drei Monaten.",
        members_present=[legal],
    )
    commission.decide_request(
        rejected, by=legal, outcome="rejected", reasons="Das Angebot der RAV deckt den Bedarf ab.", members_present=[legal]
    )
    commission.decide_request(
        deferred, by=legal, outcome="deferred", reasons="Bericht des Arbeitgebers abwarten.", members_present=[legal]
    )
    commission.mark_sitting_held(past, by=officer)
    commission.record_movement(approved, by=officer, kind="payment", amount=Decimal("10000"), on=held_on)
    commission.record_movement(approved, by=officer, kind="refund", amount=Decimal("4000"), on=today, note="IV-Verfügung")
    on_agenda = ask(
        cases[3],
        "subsidiary",
        "6500",
        "Sprachkurs mit Praktikum, damit die Person im Gastgewerbe arbeiten kann.",
        proposed_measure="Sprachkurs Deutsch B1 mit Praktikum",
        no_catalogue_reason="Die Kurse im Katalog sind ausgebucht oder ohne Praktikum.",
    )
    commission.put_on_agenda(on_agenda, by=officer, sitting=coming)
    ask(cases[4], "pre_financing", "3500", "Die Ausbildung beginnt im nächsten Monat.", paying_institution=ai)
