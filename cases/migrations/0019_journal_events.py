"""The journal keeps what the application says as an event code with its parameters, rendered
in the reader's language (cases/audit/events.py); ``text`` keeps only what users wrote.

The data: each earlier entry whose text is one of the sentences the actions wrote, in German,
French or English, becomes that event with its parameters (dates as ISO dates, labels as
their codes, institutions with both abbreviations); a text that matches no sentence stays as
it is. The sentences and labels are frozen here, as they were when this migration was
written: the application's own may change later. Backwards, the events are written out in
German again.
"""

import datetime
import re

from django.db import migrations, models

from cases.migrations._constraints import immediate

LANGUAGES = ("de", "fr", "en")

# Who was told of the end of the support (cases/notices.py): four sentences, and a fifth for
# those without an e-mail address.
END_OF_SUPPORT = {
    "both": {
        "de": "Ende der Begleitung per E-Mail gemeldet an das Netzwerk, die IIZ-Ansprechpersonen der beteiligten "
        "Institutionen (%(network)s) und an die/den kantonale/n IIZ-Beauftragte/n (%(officer)s).",
        "fr": "Fin de l'accompagnement annoncée par e-mail au réseau, les répondants CII des institutions impliquées "
        "(%(network)s) et au·à la chargé·e cantonal·e de CII (%(officer)s).",
        "en": "End of the support reported by e-mail to the network, the IIZ contact persons of the institutions "
        "involved (%(network)s), and to the cantonal IIZ officer (%(officer)s).",
    },
    "network": {
        "de": "Ende der Begleitung per E-Mail gemeldet an das Netzwerk, die IIZ-Ansprechpersonen der beteiligten "
        "Institutionen (%(network)s). Die/der kantonale IIZ-Beauftragte konnte nicht informiert werden.",
        "fr": "Fin de l'accompagnement annoncée par e-mail au réseau, les répondants CII des institutions impliquées "
        "(%(network)s). Le·la chargé·e cantonal·e de CII n'a pas pu être informé·e.",
        "en": "End of the support reported by e-mail to the network, the IIZ contact persons of the institutions "
        "involved (%(network)s). No cantonal IIZ officer could be informed.",
    },
    "officer": {
        "de": "Ende der Begleitung per E-Mail gemeldet an die/den kantonale/n IIZ-Beauftragte/n (%(officer)s). Keine "
        "weitere IIZ-Ansprechperson der beteiligten Institutionen konnte informiert werden.",
        "fr": "Fin de l'accompagnement annoncée par e-mail au·à la chargé·e cantonal·e de CII (%(officer)s). Aucun autre "
        "répondant CII des institutions impliquées n'a pu être informé.",
        "en": "End of the support reported by e-mail to the cantonal IIZ officer (%(officer)s). No other IIZ contact "
        "person of the institutions involved could be informed.",
    },
    "nobody": {
        "de": "Ende der Begleitung: Niemand konnte per E-Mail informiert werden, weder eine IIZ-Ansprechperson der "
        "beteiligten Institutionen noch die/der kantonale IIZ-Beauftragte.",
        "fr": "Fin de l'accompagnement : personne n'a pu être informé par e-mail, ni un répondant CII des institutions "
        "impliquées ni le·la chargé·e cantonal·e de CII.",
        "en": "End of the support: nobody could be informed by e-mail, neither an IIZ contact person of the "
        "institutions involved nor a cantonal IIZ officer.",
    },
}
UNREACHABLE = {
    "de": "Ohne E-Mail-Adresse, nicht informiert: %(names)s.",
    "fr": "Sans adresse e-mail, non informé·e·s : %(names)s.",
    "en": "Without an e-mail address, not informed: %(names)s.",
}

# The labels the parameters were written with (de, fr, en), by code.
MEETING_KINDS = {
    "assessment": {"de": "Assessment (CII104)", "en": "Assessment (CII104)", "fr": "Assessment (CII104)"},
    "network": {"de": "Netzwerksitzung", "en": "Network meeting", "fr": "Séance de réseau"},
    "round_table": {"de": "Runder Tisch (CII102)", "en": "Round table (CII102)", "fr": "Table ronde (CII102)"},
}
FILE_CATEGORIES = {
    "certificate": {"de": "Zeugnis oder Bestätigung", "en": "Certificate or reference", "fr": "Certificat ou attestation"},
    "closure_letter": {
        "de": "Kopie des Abschlussbriefs",
        "en": "Copy of the closure letter",
        "fr": "Copie de la lettre de clôture",
    },
    "correspondence": {"de": "Korrespondenz", "en": "Correspondence", "fr": "Correspondance"},
    "cv": {"de": "Lebenslauf", "en": "CV", "fr": "CV"},
    "decision": {"de": "Verfügung einer Institution", "en": "Decision of an institution", "fr": "Décision d'une institution"},
    "medical_report": {"de": "Arztbericht", "en": "Medical report", "fr": "Rapport médical"},
    "other": {"de": "Anderes", "en": "Other", "fr": "Autre"},
    "signed_plan": {"de": "Unterschriebener Aktionsplan", "en": "Signed action plan", "fr": "Plan d'action signé"},
    "signed_poa": {"de": "Unterschriebene Vollmacht", "en": "Signed power of attorney", "fr": "Procuration signée"},
}
PRINT_MARKS = {
    "printed": {"de": "gedruckt", "en": "printed", "fr": "imprimé"},
    "sent": {"de": "versandt", "en": "sent", "fr": "envoyé"},
}
PRINT_DOCUMENTS = {
    "closure_letter": {"de": "Abschlussbrief", "en": "Closure letter", "fr": "Lettre de clôture"},
    "plan": {"de": "Aktionsplan zur Unterschrift", "en": "Action plan for signature", "fr": "Plan d'action à signer"},
    "poa_form": {"de": "Vollmachtsformular", "en": "Power of attorney form", "fr": "Formulaire de procuration"},
}
PLAN_VERSION = {"de": "Aktionsplan V%(version)s", "en": "Action plan v%(version)s", "fr": "Plan d'action v%(version)s"}
GRANTS = {
    "act_as_case_manager": {"de": "stellvertretender Case Manager", "en": "deputy case manager", "fr": "case manager suppléant"},
    "view_case": {"de": "Lesezugriff", "en": "read access", "fr": "accès en lecture"},
}
PERSON_FIELDS = {
    "ahv_number": {"de": "AHV-Nummer", "en": "AHV number", "fr": "Numéro AVS"},
    "birth_date": {"de": "Geburtsdatum", "en": "Date of birth", "fr": "Date de naissance"},
    "city": {"de": "Ort", "en": "Town", "fr": "Localité"},
    "email": {"de": "E-Mail", "en": "E-mail", "fr": "E-mail"},
    "first_name": {"de": "Vorname", "en": "First name", "fr": "Prénom"},
    "language": {"de": "Korrespondenzsprache", "en": "Correspondence language", "fr": "Langue de correspondance"},
    "last_name": {"de": "Nachname", "en": "Last name", "fr": "Nom"},
    "phone": {"de": "Telefon", "en": "Phone", "fr": "Téléphone"},
    "postcode": {"de": "PLZ", "en": "Postcode", "fr": "NPA"},
    "sex": {"de": "Geschlecht", "en": "Sex", "fr": "Sexe"},
    "street": {"de": "Strasse und Nummer", "en": "Street and number", "fr": "Rue et numéro"},
}
CASE_FIELDS = {
    "coordinator": {"de": "Koordinator", "en": "Coordinator", "fr": "Coordinateur"},
    "institutions": {"de": "beteiligte Institutionen", "en": "institutions involved", "fr": "institutions impliquées"},
    "lead_institution": {"de": "Federführende Institution", "en": "Lead institution", "fr": "Institution pilote"},
    "reason": {"de": "Grund der Meldung", "en": "Reason for the report", "fr": "Motif de l'annonce"},
    "region": {"de": "Region", "en": "Region", "fr": "Région"},
    "theme": {"de": "Thema", "en": "Theme", "fr": "Thème"},
}

# The sentences of the journal entries of kind "record" (de, fr, en), by event.
RECORD_TEMPLATES = {
    "access_given": {
        "de": "Zugriff für %(user)s (%(kind)s) bis %(date)s erteilt: %(reason)s",
        "en": "Access given to %(user)s (%(kind)s) until %(date)s: %(reason)s",
        "fr": "Accès accordé à %(user)s (%(kind)s) jusqu'au %(date)s : %(reason)s",
    },
    "access_revoked": {
        "de": "Zugriff von %(user)s (%(kind)s) entzogen",
        "en": "Access of %(user)s (%(kind)s) revoked",
        "fr": "Accès de %(user)s (%(kind)s) retiré",
    },
    "case_facts_corrected": {
        "de": "Angaben zum Fall korrigiert: %(fields)s",
        "en": "Facts of the case corrected: %(fields)s",
        "fr": "Données du cas corrigées : %(fields)s",
    },
    "case_manager_replaced": {
        "de": "Case Manager gewechselt: %(previous)s → %(new)s. Grund: %(reason)s",
        "en": "Case manager replaced: %(previous)s → %(new)s. Reason: %(reason)s",
        "fr": "Case manager remplacé : %(previous)s → %(new)s. Motif : %(reason)s",
    },
    "closure_letter_filed": {
        "de": "Kopie des Abschlussbriefs abgelegt",
        "en": "Copy of the closure letter filed",
        "fr": "Copie de la lettre de clôture déposée",
    },
    "documents_marked": {"de": "%(documents)s: %(mark)s", "en": "%(documents)s: %(mark)s", "fr": "%(documents)s : %(mark)s"},
    "exit_report_saved": {"de": "Austrittsbilanz gespeichert", "en": "Exit report saved", "fr": "Bilan de sortie enregistré"},
    "file_added": {
        "de": "Datei abgelegt: %(category)s, %(name)s",
        "en": "File added: %(category)s, %(name)s",
        "fr": "Fichier déposé : %(category)s, %(name)s",
    },
    "file_withdrawn": {
        "de": "Datei zurückgezogen: %(name)s (%(reason)s)",
        "en": "File withdrawn: %(name)s (%(reason)s)",
        "fr": "Fichier retiré : %(name)s (%(reason)s)",
    },
    "institutions_changed": {
        "de": "Beteiligte Institutionen: %(before)s → %(after)s",
        "en": "Institutions involved: %(before)s → %(after)s",
        "fr": "Institutions impliquées : %(before)s → %(after)s",
    },
    "meeting_recorded": {"de": "%(meeting)s erfasst", "en": "%(meeting)s recorded", "fr": "%(meeting)s enregistré(e)"},
    "meeting_updated": {"de": "%(meeting)s geändert", "en": "%(meeting)s updated", "fr": "%(meeting)s modifié(e)"},
    "person_corrected": {
        "de": "Daten der Person korrigiert: %(fields)s",
        "en": "Person's data corrected: %(fields)s",
        "fr": "Données de la personne corrigées : %(fields)s",
    },
    "plan_saved": {
        "de": "Aktionsplan V%(version)s gespeichert",
        "en": "Action plan v%(version)s saved",
        "fr": "Plan d'action v%(version)s enregistré",
    },
    "poa_recorded": {
        "de": "Vollmacht unterzeichnet am %(date)s, gültig bis %(until)s",
        "en": "Power of attorney signed on %(date)s, valid until %(until)s",
        "fr": "Procuration signée le %(date)s, valable jusqu'au %(until)s",
    },
    "resources_recorded": {
        "de": "Datenblatt Ressourcen erfasst",
        "en": "Resources data sheet recorded",
        "fr": "Fiche des ressources saisie",
    },
    "resources_updated": {
        "de": "Datenblatt Ressourcen aktualisiert",
        "en": "Resources data sheet updated",
        "fr": "Fiche des ressources mise à jour",
    },
    "signed_plan_filed": {
        "de": "Unterschriebener Aktionsplan v%(version)s abgelegt (unterschrieben in %(place)s am %(person)s und %(cm)s)",
        "en": "Signed action plan v%(version)s filed (signed in %(place)s on %(person)s and %(cm)s)",
        "fr": "Plan d'action v%(version)s signé déposé (signé à %(place)s le %(person)s et le %(cm)s)",
    },
    "signed_poa_filed": {
        "de": "Unterschriebene Vollmacht vom %(date)s abgelegt",
        "en": "Signed power of attorney of %(date)s filed",
        "fr": "Procuration signée du %(date)s déposée",
    },
}

# The sentences written by a step of the flow, by event.
STEP_TEMPLATES = {
    "first_meeting": {
        "de": "Erstes Treffen mit der Person am %(date)s",
        "en": "First meeting with the person on %(date)s",
        "fr": "Premier entretien avec la personne le %(date)s",
    },
    "plan_sent_back": {
        "de": "Vorgeschlagene andere Aktionsmöglichkeiten: %(options)s",
        "en": "Other options proposed: %(options)s",
        "fr": "Autres possibilités d'action proposées : %(options)s",
    },
}

# --- from a sentence to an event ---------------------------------------------------------------


class NoMatch(Exception):
    """The text is not the sentence it looked like: it stays as it is."""


def pattern(template: str) -> re.Pattern:
    """The sentence as a regular expression, each ``%(name)s`` a named group."""
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


def code_of(table: dict):
    """The code of a label written in any language."""
    codes = {label: code for code, labels in table.items() for label in labels.values()}

    def parse(value: str) -> str:
        if value not in codes:
            raise NoMatch(value)
        return codes[value]

    return parse


def day(value: str) -> str:
    try:
        return datetime.datetime.strptime(value, "%d.%m.%Y").date().isoformat()
    except ValueError:
        raise NoMatch(value) from None


def number(value: str) -> int:
    if not value.isdigit():
        raise NoMatch(value)
    return int(value)


def text(value: str) -> str:
    return value


def names(value: str) -> list[str]:
    return [name for name in value.split(", ") if name]


def codes_of(table: dict):
    one = code_of(table)
    return lambda value: [one(label) for label in value.split(", ")]


def documents(value: str) -> list[dict]:
    plan_versions = [pattern(PLAN_VERSION[lang]) for lang in LANGUAGES]
    kinds = code_of(PRINT_DOCUMENTS)
    found = []
    for title in value.split(", "):
        version = next((m.group("version") for p in plan_versions if (m := p.fullmatch(title))), None)
        if version is not None:
            found.append({"document": "plan", "version": number(version)})
        else:
            found.append({"document": kinds(title), "version": None})
    return found


def institutions_parser(apps):
    """Abbreviations as written (in either language) to both of them."""
    Institution = apps.get_model("roles", "Institution")
    known = {}
    for short_de, short_fr in Institution.objects.values_list("short_de", "short_fr"):
        known.setdefault(short_de, {"de": short_de, "fr": short_fr})
        known.setdefault(short_fr, {"de": short_de, "fr": short_fr})

    def parse(value: str) -> list[dict]:
        return [known.get(short, {"de": short, "fr": short}) for short in value.split(", ") if short]

    return parse


def record_parsers(apps) -> dict:
    institutions = institutions_parser(apps)
    return {
        "meeting_recorded": {"meeting": code_of(MEETING_KINDS)},
        "meeting_updated": {"meeting": code_of(MEETING_KINDS)},
        "plan_saved": {"version": number},
        "resources_recorded": {},
        "resources_updated": {},
        "poa_recorded": {"date": day, "until": day},
        "exit_report_saved": {},
        "access_given": {"user": text, "kind": code_of(GRANTS), "date": day, "reason": text},
        "access_revoked": {"user": text, "kind": code_of(GRANTS)},
        "signed_plan_filed": {"version": number, "place": text, "person": day, "cm": day},
        "signed_poa_filed": {"date": day},
        "closure_letter_filed": {},
        "file_added": {"category": code_of(FILE_CATEGORIES), "name": text},
        "file_withdrawn": {"name": text, "reason": text},
        "documents_marked": {"documents": documents, "mark": code_of(PRINT_MARKS)},
        "person_corrected": {"fields": codes_of(PERSON_FIELDS)},
        "institutions_changed": {"before": institutions, "after": institutions},
        "case_facts_corrected": {"fields": codes_of(CASE_FIELDS)},
        "case_manager_replaced": {"previous": text, "new": text, "reason": text},
    }


def end_of_support_patterns() -> list[re.Pattern]:
    found = []
    for variants in END_OF_SUPPORT.values():
        for lang in LANGUAGES:
            found.append(pattern(variants[lang]))
            found.append(pattern(variants[lang] + " " + UNREACHABLE[lang]))
    return found


def as_event(entry, parsers: dict, patterns: dict, end_of_support: list) -> tuple[str, str, dict] | None:
    """(text, event, params) for an entry whose text is a sentence of the application."""
    if entry.transition == "designate_case_manager":
        return ("", "case_manager_designated", {"name": entry.text}) if entry.text else None
    if entry.transition == "start_plan":
        candidates = [("first_meeting", {"date": day})]
    elif entry.transition == "send_back_plan":
        # The coordinator's reasons, then the sentence with the options on a line of its own.
        for lang in LANGUAGES:
            found = pattern("%(reasons)s\n" + STEP_TEMPLATES["plan_sent_back"][lang]).fullmatch(entry.text)
            if found:
                return found.group("reasons"), "plan_sent_back", {"options": found.group("options")}
        return None
    elif entry.kind == "record" and not entry.transition:
        for regex in end_of_support:
            if found := regex.fullmatch(entry.text):
                groups = found.groupdict()
                return (
                    "",
                    "end_of_support_reported",
                    {
                        "network": names(groups.get("network") or ""),
                        "officers": names(groups.get("officer") or ""),
                        "unreachable": names(groups.get("names") or ""),
                    },
                )
        candidates = list(parsers.items())
    else:
        return None
    for event, params in candidates:
        for regex in patterns[event]:
            found = regex.fullmatch(entry.text)
            if not found:
                continue
            try:
                return "", event, {name: parse(found.group(name)) for name, parse in params.items()}
            except NoMatch:
                continue
    return None


def batches(rows, size=1000):
    """The rows in batches by primary key, read before any of them is written (SQLite would
    otherwise read the rows being updated through the open cursor)."""
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), size):
        yield list(rows.model.objects.filter(pk__in=pks[start : start + size]).order_by("pk"))


@immediate
def to_events(apps, schema_editor):
    JournalEntry = apps.get_model("cases", "JournalEntry")
    templates = {**RECORD_TEMPLATES, **STEP_TEMPLATES}
    patterns = {event: [pattern(sentences[lang]) for lang in LANGUAGES] for event, sentences in templates.items()}
    parsers = record_parsers(apps)
    end_of_support = end_of_support_patterns()
    rows = JournalEntry.objects.filter(event="").exclude(text="").exclude(kind__in=["note", "minutes"])
    for batch in batches(rows):
        changed = []
        for entry in batch:
            converted = as_event(entry, parsers, patterns, end_of_support)
            if converted is not None:
                entry.text, entry.event, entry.params = converted
                changed.append(entry)
        JournalEntry.objects.bulk_update(changed, ["text", "event", "params"])


# --- backwards: the events written out in German ------------------------------------------------


def german(event: str, params: dict) -> str:
    def label(table, code):
        return table.get(code, {}).get("de", code)

    def date(value):
        try:
            return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
        except (TypeError, ValueError):
            return str(value)

    if event == "case_manager_designated":
        return params.get("name", "")
    if event == "end_of_support_reported":
        network, officers = ", ".join(params.get("network", [])), ", ".join(params.get("officers", []))
        key = "both" if network and officers else "network" if network else "officer" if officers else "nobody"
        written = END_OF_SUPPORT[key]["de"] % {"network": network, "officer": officers}
        if params.get("unreachable"):
            written += " " + UNREACHABLE["de"] % {"names": ", ".join(params["unreachable"])}
        return written
    shown = {}
    for name, value in params.items():
        if name in ("date", "until", "person", "cm"):
            shown[name] = date(value)
        elif name == "meeting":
            shown[name] = label(MEETING_KINDS, value)
        elif name == "kind":
            shown[name] = label(GRANTS, value)
        elif name == "category":
            shown[name] = label(FILE_CATEGORIES, value)
        elif name == "mark":
            shown[name] = label(PRINT_MARKS, value)
        elif name == "fields":
            shown[name] = ", ".join(label(PERSON_FIELDS if event == "person_corrected" else CASE_FIELDS, f) for f in value)
        elif name in ("before", "after"):
            shown[name] = ", ".join(sorted(item.get("de", "") for item in value))
        elif name == "documents":
            shown[name] = ", ".join(
                PLAN_VERSION["de"] % {"version": item["version"]}
                if item.get("version")
                else label(PRINT_DOCUMENTS, item.get("document"))
                for item in value
            )
        else:
            shown[name] = value
    template = {**RECORD_TEMPLATES, **STEP_TEMPLATES}.get(event, {}).get("de")
    if template is None:
        return event
    try:
        return template % shown
    except KeyError:
        return template


@immediate
def to_texts(apps, schema_editor):
    JournalEntry = apps.get_model("cases", "JournalEntry")
    for batch in batches(JournalEntry.objects.exclude(event="")):
        for entry in batch:
            entry.text = "\n".join(part for part in (entry.text, german(entry.event, entry.params or {})) if part)
        JournalEntry.objects.bulk_update(batch, ["text"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_notifications"),
        ("roles", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalentry",
            name="event",
            field=models.CharField(blank=True, max_length=40, verbose_name="event"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.RunPython(to_events, to_texts),
    ]
