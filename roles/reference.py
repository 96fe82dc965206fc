"""Reference data of the IIZ organisation in Valais (seed 004), loaded by a migration.

Codes are stable identifiers used in code and URLs; names are shown in the user's language.
"""

REGIONS = [
    ("ow", "Oberwallis", "Haut-Valais"),
    ("mw", "Mittelwallis", "Valais central"),
    ("uw", "Unterwallis", "Bas-Valais"),
]

THEMES = [
    ("youth", "Jugend", "Jeunesse"),
    ("asylum", "Asyl", "Asile"),
]

# code, short DE, name DE, short FR, name FR
INSTITUTIONS = [
    (
        "rav",
        "RAV",
        "Regionale Arbeitsvermittlungszentren (Dienststelle für Industrie, Handel und Arbeit)",
        "ORP",
        "Offices régionaux de placement (Service de l'industrie, du commerce et du travail)",
    ),
    ("social", "DSW", "Dienststelle für Sozialwesen (Sozialhilfe)", "SAS", "Service de l'action sociale (aide sociale)"),
    ("ai", "IV", "Kantonale IV-Stelle Wallis", "AI", "Office cantonal AI du Valais"),
    (
        "suva",
        "Suva",
        "Schweizerische Unfallversicherungsanstalt Suva",
        "Suva",
        "Caisse nationale suisse d'assurance en cas d'accidents Suva",
    ),
    ("vocational", "DB", "Dienststelle für Berufsbildung", "SFOP", "Service de la formation professionnelle"),
    ("guidance", "BSL", "Berufs-, Studien- und Laufbahnberatung", "OSP", "Orientation scolaire et professionnelle"),
    ("addiction", "Sucht Wallis", "Sucht Wallis", "Addiction Valais", "Addiction Valais"),
]


def load_reference_data(Region, Theme, Institution) -> None:
    """Create or refresh the reference rows (used by the migration with historical models,
    and by tests that run after a database flush)."""
    for code, de, fr in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name_de": de, "name_fr": fr})
    for code, de, fr in THEMES:
        Theme.objects.update_or_create(code=code, defaults={"name_de": de, "name_fr": fr})
    for code, short_de, de, short_fr, fr in INSTITUTIONS:
        Institution.objects.update_or_create(
            code=code, defaults={"short_de": short_de, "name_de": de, "short_fr": short_fr, "name_fr": fr}
        )


# The address and language of correspondence of each institution (its invoices): code,
# language, street, postcode, town.
INSTITUTION_ADDRESSES = [
    ("rav", "fr", "Avenue du Midi 7", "1950", "Sion"),
    ("social", "fr", "Avenue de la Gare 23", "1950", "Sion"),
    ("ai", "fr", "Avenue de la Gare 15", "1950", "Sion"),
    ("suva", "de", "Fluhmattstrasse 1", "6002", "Luzern"),
    ("vocational", "fr", "Avenue de France 23", "1950", "Sion"),
    ("guidance", "de", "Kantonsstrasse 6", "3930", "Visp"),
    ("addiction", "fr", "Place du Midi 36", "1950", "Sion"),
]


def load_institution_addresses(Institution) -> None:
    """Fill in the address and language of the reference institutions that have none yet."""
    for code, language, street, postcode, town in INSTITUTION_ADDRESSES:
        Institution.objects.filter(code=code, street="").update(language=language, street=street, postcode=postcode, town=town)
