"""The demo cast: one user per role, documented in README.md (password DEMO_PASSWORD), and
the group that lets the cantonal officer manage people and the partners' reference data.

Idempotent: running ``seed_users`` again refreshes the users and their memberships and keeps
the passwords already set.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from roles.models import Institution, Membership, Region, Theme, User

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


def people_admins_group() -> Group:
    group, _ = Group.objects.get_or_create(name=PEOPLE_ADMINS_GROUP)
    perms = Permission.objects.filter(
        Q(
            content_type__app_label="roles",
            codename__in=[
                f"{action}_{model}" for model in ("user", "membership") for action in ("add", "change", "delete", "view")
            ]
            + ["view_region", "view_theme", "view_institution", "change_institution", "add_institution"],
        )
        # The partners' catalogue of measures and employer contacts (no delete: plans refer to them).
        | Q(
            content_type__app_label="cases",
            codename__in=[
                f"{action}_{model}" for model in ("cataloguemeasure", "employercontact") for action in ("add", "change", "view")
            ],
        )
    )
    group.permissions.set(perms)
    return group


def seed_users() -> None:
    regions = {r.code: r for r in Region.objects.all()}
    themes = {t.code: t for t in Theme.objects.all()}
    institutions = {i.code: i for i in Institution.objects.all()}
    admins = people_admins_group()
    for username, first, last, language, memberships in DEMO_USERS:
        is_officer = any(role == "officer" for role, *_ in memberships)
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@iiz-demo.example",
                "language": language,
                "is_staff": is_officer,
                "is_active": True,
            },
        )
        if created:  # an existing demo user keeps its password (hashing costs ~0.5 s each)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if is_officer:
            user.groups.add(admins)
        keep = []
        for role, region, theme, institution in memberships:
            membership, _ = Membership.objects.get_or_create(
                user=user,
                role=role,
                region=regions.get(region),
                theme=themes.get(theme),
                institution=institutions.get(institution),
                defaults={"starts_on": DEMO_START},
            )
            keep.append(membership.pk)
        user.memberships.exclude(pk__in=keep).delete()


def logins() -> list[tuple[str, str, str]]:
    """(username, full name, roles) of every demo user, for printing the logins."""
    rows = []
    for username, first, last, _lang, memberships in DEMO_USERS:
        roles = ", ".join(
            "-".join(part for part in (role, region, theme, institution) if part)
            for role, region, theme, institution in memberships
        )
        rows.append((username, f"{first} {last}", roles))
    return rows
