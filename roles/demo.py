"""The demo cast: one user per role, documented in README.md (password DEMO_PASSWORD)."""

import datetime

DEMO_PASSWORD = "iiz-demo-2026"
DEMO_START = datetime.date(2024, 1, 1)

# username, first name, last name, language, [(role, region, theme, institution)]
DEMO_USERS = [
    ("officer", "Claudine", "Rey", "fr", [("officer", None, None, None)]),
    ("secretariat", "Martina", "Imboden", "de", [("secretariat", None, None, None)]),
    ("coordinator-ow", "Stefan", "Zenklusen", "de", [("regional_coordinator", "ow", None, None)]),
    ("coordinator-mw", "Nathalie", "Fournier", "fr", [("regional_coordinator", "mw", None, None)]),
    ("coordinator-uw", "Olivier", "Gay", "fr", [("regional_coordinator", "uw", None, None)]),
    ("coordinator-youth", "Sarah", "Theler", "de", [("thematic_coordinator", None, "youth", None)]),
    ("coordinator-asylum", "Jean-Marc", "Bonvin", "fr", [("thematic_coordinator", None, "asylum", None)]),
    ("contact-rav-ow", "Peter", "Kalbermatten", "de", [("contact_person", "ow", None, "rav")]),
    ("contact-ai-uw", "Isabelle", "Cretton", "fr", [("contact_person", "uw", None, "ai")]),
    ("contact-social-mw", "Luc", "Favre", "fr", [("contact_person", "mw", None, "social")]),
    ("frontline-rav-ow", "Andrea", "Ruppen", "de", [("frontline", None, None, "rav")]),
    ("casemanager-ow", "Monika", "Werlen", "de", [("contact_person", "ow", None, "social")]),
    ("casemanager-uw", "Sophie", "Carron", "fr", [("contact_person", "uw", None, "rav")]),
    ("legal", "Bernard", "Pralong", "fr", [("legal", None, None, None)]),
    ("steering", "Ursula", "Summermatter", "de", [("steering", None, None, None)]),
]

PEOPLE_ADMINS_GROUP = "IIZ people administration"
