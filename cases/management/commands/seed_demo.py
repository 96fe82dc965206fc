"""Load the demo data: one user per role and the demo cases (idempotent: running it again
changes nothing)."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from cases.demo.data import seed_cases
from cases.models import Case
from roles.demo import DEMO_PASSWORD, DEMO_START, DEMO_USERS, PEOPLE_ADMINS_GROUP
from roles.models import Institution, Membership, Region, Theme, User


class Command(BaseCommand):
    help = "Create or refresh the demo users (one per role), create the demo cases and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with IIZ_PRODUCTION on: demo users have a public password.")
        with transaction.atomic():
            seed_users()
            created = seed_cases()
        if not options["quiet_logins"]:
            self.print_logins()
        self.stdout.write(f"Demo cases: {Case.objects.count()} cases in the database ({created} created now).")

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for username, first, last, _lang, memberships in DEMO_USERS:
            roles = ", ".join(
                "-".join(part for part in (role, region, theme, institution) if part)
                for role, region, theme, institution in memberships
            )
            name = f"{first} {last}"
            self.stdout.write(f"  {username:<20} {name:<22} {roles}")
        self.stdout.write("")


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
