"""Starter reference data of the cases app, loaded by a migration and then managed by the
cantonal officer in the admin: the partners' catalogue of measures and their employer
contacts (CII101 step 4: the case manager draws up the plan from these).

Loading is idempotent (update_or_create on a natural key), so running it again refreshes
the starter rows and leaves the rows the officer added alone.
"""

# institution code -> [(name DE, name FR, description)]
CATALOGUE = {
    "rav": [
        ("Bewerbungscoaching", "Coaching en recherche d'emploi", "AVIG Art. 59 ff. / LACI art. 59 ss"),
        (
            "Programm zur vorübergehenden Beschäftigung (PvB)",
            "Programme d'emploi temporaire (PET)",
            "AVIG Art. 64a / LACI art. 64a",
        ),
        ("Einarbeitungszuschuss (EAZ)", "Allocation d'initiation au travail (AIT)", "AVIG Art. 65 / LACI art. 65"),
        ("Berufspraktikum", "Stage professionnel", "AVIG Art. 64a / LACI art. 64a"),
        ("Ausbildungszuschuss (AZ)", "Allocation de formation (AFO)", "AVIG Art. 66a / LACI art. 66a"),
        ("Motivationssemester (SEMO)", "Semestre de motivation (SeMo)", "AVIG Art. 64a / LACI art. 64a"),
    ],
    "ai": [
        ("Berufliche Abklärung", "Mesure d'orientation professionnelle", "IVG Art. 15 / LAI art. 15"),
        ("Arbeitsversuch", "Placement à l'essai", "IVG Art. 18a / LAI art. 18a"),
        ("Integrationsmassnahme", "Mesure de réinsertion", "IVG Art. 14a / LAI art. 14a"),
        ("Umschulung", "Reclassement", "IVG Art. 17 / LAI art. 17"),
        ("Frühinterventionsmassnahme", "Mesure d'intervention précoce", "IVG Art. 7d / LAI art. 7d"),
        ("Arbeitsvermittlung der IV", "Aide au placement de l'AI", "IVG Art. 18 / LAI art. 18"),
    ],
    "social": [
        (
            "Beschäftigung in einer Sozialfirma",
            "Emploi en entreprise sociale",
            "Gesetz über die Eingliederung und die Sozialhilfe / Loi sur l'intégration et l'aide sociale",
        ),
        (
            "Berufliche Eingliederungsmassnahme (Sozialhilfe)",
            "Mesure d'insertion professionnelle (aide sociale)",
            "Gesetz über die Eingliederung und die Sozialhilfe / Loi sur l'intégration et l'aide sociale",
        ),
        (
            "Soziale Eingliederungsmassnahme",
            "Mesure d'insertion sociale",
            "Gesetz über die Eingliederung und die Sozialhilfe / Loi sur l'intégration et l'aide sociale",
        ),
        ("Budget- und Schuldenberatung", "Conseil en budget et désendettement", ""),
    ],
    "suva": [
        ("Case Management Suva", "Case management Suva", "UVG / LAA"),
        (
            "Evaluation der funktionellen Leistungsfähigkeit (EFL)",
            "Évaluation des capacités fonctionnelles (ECF)",
            "Clinique romande de réadaptation, Sion",
        ),
        (
            "Rehabilitation in der Clinique romande de réadaptation",
            "Réadaptation à la Clinique romande de réadaptation",
            "Clinique romande de réadaptation, Sion",
        ),
        ("Arbeitsplatzabklärung", "Évaluation du poste de travail", "UVG / LAA"),
    ],
    "vocational": [
        (
            "Nachholbildung für Erwachsene (Art. 32 BBV)",
            "Formation de rattrapage pour adultes (art. 32 OFPr)",
            "BBV Art. 32 / OFPr art. 32",
        ),
        (
            "Grundbildung mit eidgenössischem Berufsattest (EBA)",
            "Formation initiale avec attestation fédérale (AFP)",
            "BBG / LFPr",
        ),
        ("Brückenangebot", "Solution transitoire", "BBG Art. 12 / LFPr art. 12"),
        ("Case Management Berufsbildung", "Case management formation professionnelle", ""),
        ("Validierung von Bildungsleistungen", "Validation des acquis de l'expérience", "BBV Art. 31 / OFPr art. 31"),
    ],
    "guidance": [
        ("Laufbahnberatung", "Conseil en orientation de carrière", ""),
        ("Berufswahlberatung für Jugendliche", "Orientation professionnelle pour les jeunes", ""),
        ("Potenzialabklärung", "Bilan de compétences", ""),
        ("Eignungsabklärung", "Évaluation des aptitudes", ""),
    ],
    "addiction": [
        ("Ambulante Suchtberatung", "Consultation ambulatoire en addiction", ""),
        ("Stationäre Suchttherapie", "Traitement résidentiel des addictions", ""),
        ("Tagesstruktur mit Beschäftigung", "Accueil de jour avec occupation", ""),
        ("Arbeitsintegration nach Suchttherapie", "Insertion professionnelle après traitement", ""),
    ],
}

# (company, sector, town, contact person, phone, e-mail, institution code, notes)
# Contact persons, phone numbers and e-mail addresses are fictitious.
EMPLOYERS = [
    (
        "Lonza AG",
        "Chemie und Pharma",
        "Visp",
        "Rahel Imhof",
        "027 948 51 10",
        "rahel.imhof@example.ch",
        "rav",
        "Produktionsmitarbeitende im Schichtbetrieb; Einarbeitung im Betrieb möglich.",
    ),
    (
        "Matterhorn Gotthard Bahn",
        "Verkehr",
        "Brig",
        "Thomas Lochmatter",
        "027 927 70 41",
        "thomas.lochmatter@example.ch",
        "ai",
        "Arbeitsversuche im Unterhalt und im Kundendienst.",
    ),
    (
        "Migros Wallis",
        "Commerce de détail",
        "Martigny",
        "Valérie Roduit",
        "027 720 44 18",
        "valerie.roduit@example.ch",
        "rav",
        "Postes en magasin et en logistique, aussi à temps partiel.",
    ),
    (
        "Hotel Bergsonne",
        "Hotellerie",
        "Zermatt",
        "Daniel Julen",
        "027 966 23 50",
        "daniel.julen@example.ch",
        "rav",
        "Saisonstellen Küche, Service und Housekeeping; Unterkunft für Mitarbeitende.",
    ),
    (
        "Constructions du Rhône SA",
        "Construction",
        "Sion",
        "Pierre-Alain Dayer",
        "027 322 87 05",
        "pa.dayer@example.ch",
        "suva",
        "Réinsertion après accident : postes adaptés en atelier et sur chantier.",
    ),
    (
        "Hôpital du Valais",
        "Santé",
        "Sion",
        "Christine Bagnoud",
        "027 603 40 12",
        "christine.bagnoud@example.ch",
        "ai",
        "Stages en intendance, cuisine et accueil ; postes d'aide-soignant·e.",
    ),
    (
        "Spitalzentrum Oberwallis",
        "Gesundheit",
        "Visp",
        "Corinne Zurbriggen",
        "027 970 31 64",
        "corinne.zurbriggen@example.ch",
        "social",
        "Praktika in Hauswirtschaft und Pflege (Pflegehelfer/in SRK).",
    ),
    (
        "Provins Valais",
        "Viticulture",
        "Sion",
        "Jean-Daniel Bruchez",
        "027 328 66 21",
        "jd.bruchez@example.ch",
        "social",
        "Travail saisonnier aux vendanges et en cave.",
    ),
    (
        "Zermatt Bergbahnen AG",
        "Tourismus und Bergbahnen",
        "Zermatt",
        "Marco Perren",
        "027 966 01 77",
        "marco.perren@example.ch",
        "vocational",
        "Lehrstellen Seilbahn-Mechatroniker/in und Praktika im Pistendienst.",
    ),
    (
        "Garage Alpina Sierre SA",
        "Automobile",
        "Sierre",
        "Nicolas Zufferey",
        "027 455 12 93",
        "nicolas.zufferey@example.ch",
        "vocational",
        "Places d'apprentissage AFP et CFC en mécanique automobile.",
    ),
    (
        "Téléverbier SA",
        "Remontées mécaniques",
        "Verbier",
        "Sandrine Fellay",
        "027 775 25 48",
        "sandrine.fellay@example.ch",
        "rav",
        "Emplois saisonniers en hiver ; contrats à l'essai possibles.",
    ),
    (
        "Gemeinde Naters, Werkhof",
        "Öffentliche Verwaltung",
        "Naters",
        "Urs Schmid",
        "027 922 75 30",
        "urs.schmid@example.ch",
        "social",
        "Einsatzplätze für Beschäftigungsprogramme im Werkhof und in der Gärtnerei.",
    ),
]


def load_case_reference_data(CatalogueMeasure, EmployerContact, Institution) -> None:
    """Create or refresh the starter catalogue and employer contacts (used by the migration
    with historical models, and by the demo data after a database flush)."""
    institutions = {i.code: i for i in Institution.objects.all()}
    for code, measures in CATALOGUE.items():
        for name_de, name_fr, description in measures:
            CatalogueMeasure.objects.update_or_create(
                institution=institutions[code],
                name_de=name_de,
                defaults={"name_fr": name_fr, "description": description},
            )
    for company, sector, city, contact, phone, email, code, notes in EMPLOYERS:
        EmployerContact.objects.update_or_create(
            company=company,
            city=city,
            defaults={
                "institution": institutions[code],
                "sector": sector,
                "contact_name": contact,
                "phone": phone,
                "email": email,
                "notes": notes,
            },
        )
