"""Bulk data for load tests (``python manage.py seed_bulk --cases N``).

Realistic volumes rather than a story: cases reported over the last three years in the three
regions (a fifth youth, a tenth asylum), each taken as far along CII101 as its age allows
(every state, some ended without case management, some interrupted), with the institutions
involved, plans with goals, measures and versions (sent back, changed), reviews, powers of
attorney, exit reports, closures, the signed scans' records (no file content), and the
journal of every step. Users across the regions: coordinators, secretariat, officer,
steering, frontline staff who report, and as many case managers as give each one 20 to 40
open cases.

Nothing goes through the actions (they would take hours): the rows are written directly,
with ids given here, by PostgreSQL's COPY (``bulk_create`` on SQLite). What the actions
keep is computed by the same code they use:

- the deadline dates each case keeps (``deadlines.kept_dates`` on the case with its
  records in memory, as ``deadlines.load`` would give them);
- the journal's hash chain (``chain.digest``, continued from the chain's head, under the
  chain's lock), so ``verify_audit`` passes;
- the yearly reference counters, so intake goes on after the bulk references.

The bulk users share one password (``BULK_PASSWORD`` or ``--password``): the load
benchmark signs in as ``bulk-officer``, ``bulk-steering``, ``bulk-coordinator-<region>``
and ``bulk-cm-<region>-<n>``.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from cases import deadlines
from cases.audit import chain, events
from cases.demo.reference import load_case_reference_data
from cases.models import (
    ActionPlan,
    Case,
    CaseFile,
    CaseState,
    CatalogueMeasure,
    Closure,
    EmployerContact,
    ExitOutcome,
    ExitReport,
    FileCategory,
    Goal,
    JournalEntry,
    JournalKind,
    Measure,
    MeasureStatus,
    Person,
    PlanStatus,
    PowerOfAttorney,
    ReferenceCounter,
    Review,
    ReviewKind,
)
from cases.models.case import FINAL_STATES
from cases.models.reviews import one_year_after
from roles.models import Institution, Membership, Region, Role, Theme, User

BULK_PASSWORD = "iiz-bulk-2026"
PREFIX = "bulk-"
CHUNK = 5000
CASELOAD = 30  # open cases per case manager (20 to 40, as in reality)
START = datetime.date(2020, 1, 1)

FIRST_NAMES = [
    "Anna",
    "Laura",
    "Sarah",
    "Julia",
    "Lea",
    "Nadia",
    "Sophie",
    "Chloé",
    "Mélanie",
    "Élodie",
    "Céline",
    "Aline",
    "Monika",
    "Ursula",
    "Martina",
    "Andrea",
    "Nathalie",
    "Isabelle",
    "Valérie",
    "Françoise",
    "Marie",
    "Jeanne",
    "Zoé",
    "Léa",
    "Inès",
    "Amélie",
    "Fabienne",
    "Sandra",
    "Brigitte",
    "Ruth",
    "Peter",
    "Stefan",
    "Thomas",
    "Daniel",
    "Marco",
    "Lukas",
    "David",
    "Michael",
    "Christian",
    "Patrick",
    "Olivier",
    "Luc",
    "Jean-Marc",
    "Bernard",
    "Pascal",
    "Sébastien",
    "Nicolas",
    "Frédéric",
    "Jérôme",
    "Raphaël",
    "Noé",
    "Élie",
    "Mathieu",
    "Yves",
    "Urs",
    "Beat",
    "Reto",
    "Kevin",
    "Adrian",
    "Ahmed",
    "Fatima",
    "Mehmet",
    "Ayşe",
    "Dragan",
    "Jelena",
    "Ana",
    "João",
    "Rui",
    "Mariana",
    "Arben",
    "Besa",
    "Tesfay",
    "Yonas",
    "Samira",
    "Omar",
]
LAST_NAMES = [
    "Zenklusen",
    "Imboden",
    "Kalbermatten",
    "Ruppen",
    "Werlen",
    "Summermatter",
    "Theler",
    "Zurbriggen",
    "Lehner",
    "Schmid",
    "Anthamatten",
    "Furrer",
    "Jossen",
    "Bregy",
    "Ritz",
    "Salzmann",
    "Schnydrig",
    "Pfammatter",
    "Heinzmann",
    "Gruber",
    "Brunner",
    "Walpen",
    "Bumann",
    "Supersaxo",
    "Fournier",
    "Gay",
    "Favre",
    "Bonvin",
    "Cretton",
    "Carron",
    "Pralong",
    "Rey",
    "Crettenand",
    "Délèze",
    "Fragnière",
    "Métrailler",
    "Zufferey",
    "Antille",
    "Savioz",
    "Bétrisey",
    "Mabillard",
    "Théodoloz",
    "Pitteloud",
    "Gillioz",
    "Cordonier",
    "Praz",
    "Vouillamoz",
    "Michellod",
    "Dubuis",
    "Moix",
    "Roduit",
    "Sierro",
    "Constantin",
    "Genoud",
    "Vuignier",
    "Tornay",
    "Darbellay",
    "Jacquier",
    "Perruchoud",
    "Emery",
    "Müller",
    "Meier",
    "Schneider",
    "Keller",
    "Weber",
    "Huber",
    "Baumann",
    "Frey",
    "Studer",
    "Gerber",
    "Da",
    "Silva",
    "Ferreira",
    "Rodrigues",
    "Krasniqi",
    "Berisha",
    "Hoxha",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Petrović",
    "Jovanović",
    "Nguyen",
    "Tesfaye",
    "Haile",
    "Mohammed",
    "Ibrahim",
    "Rossi",
    "Bianchi",
]
REASONS = (
    "Long unemployment, health limits the choice of work.",
    "Back pain, no longer able to work on building sites; benefits ending soon.",
    "Young adult without training, several services involved.",
    "Social assistance for two years, language course finished, looking for work.",
    "Disability claim pending, the employer is ready to adapt the post.",
    "Refugee with a permit B, qualifications not recognised.",
)
GOALS = (
    "Find a stable job of at least 50 %.",
    "Finish a vocational training (EBA/AFP).",
    "Reach a work capacity of 80 % within a year.",
    "Improve German/French to level B1.",
    "Settle the debts with a budget plan.",
)
FRONTLINE_INSTITUTIONS = ("rav", "ai", "social")


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- the path of one case ---------------------------------------------------------------


def plan_case(rng: random.Random, now: datetime.datetime) -> dict:
    """The dates and state of one case, as far along CII101 as its age allows (``outcome``
    and ``sent_back`` are not columns: the builder reads them)."""
    reported = now - days(rng.uniform(0, 3 * 365))
    fields = {"reported_at": reported, "state": CaseState.REPORTED}
    meeting = reported + days(rng.uniform(3, 20))
    if meeting > now:
        return fields
    fields.update(meeting_decided_at=meeting, state=rng.choice([CaseState.ROUND_TABLE, CaseState.ASSESSMENT]))
    if fields["state"] == CaseState.ROUND_TABLE and rng.random() < 0.2:
        fields["state"] = CaseState.NO_CASE_MANAGEMENT
        fields["closed_at"] = meeting + days(rng.uniform(1, 5))
        return fields
    designated = meeting + days(rng.uniform(10, 45))
    if designated > now:
        return fields
    fields.update(cm_designated_at=designated, state=CaseState.CM_DESIGNATED)
    first_meeting = designated + days(rng.uniform(3, 20))
    if first_meeting > now:
        return fields
    fields.update(first_meeting_on=timezone.localdate(first_meeting), state=CaseState.PLAN_PREPARATION)
    submitted = first_meeting + days(rng.uniform(15, 60))
    if rng.random() < 0.08:  # interrupted before the plan was validated
        return _exit(rng, fields, first_meeting + days(rng.uniform(10, 90)), now, ExitOutcome.INTERRUPTED)
    if submitted > now:
        return fields
    if rng.random() < 0.15:  # sent back once, submitted again
        fields["sent_back"] = (submitted, submitted + days(rng.uniform(2, 8)))
        submitted += days(rng.uniform(10, 25))
        if submitted > now:
            return fields
    fields.update(plan_submitted_at=submitted, state=CaseState.PLAN_VALIDATION)
    validated = submitted + days(rng.uniform(2, 20))
    if validated > now:
        return fields
    fields.update(plan_validated_at=validated, state=CaseState.IMPLEMENTATION)
    exit_at = validated + days(rng.uniform(90, 420))
    if exit_at > now and rng.random() < 0.06:  # the network meets about the plan
        fields.update(state=CaseState.NETWORK, network_asked_at=max(validated, now - days(rng.uniform(1, 20))))
        return fields
    outcome = rng.choices([ExitOutcome.PLACED, ExitOutcome.OTHER_SERVICE, ExitOutcome.INTERRUPTED], [45, 35, 20])[0]
    return _exit(rng, fields, exit_at, now, outcome)


def _exit(rng, fields, exit_at, now, outcome) -> dict:
    if exit_at > now:
        return fields
    if outcome == ExitOutcome.INTERRUPTED:
        fields["interrupted_at"] = exit_at - days(rng.uniform(1, 10))
    else:
        fields["implementation_finished_at"] = exit_at
    fields.update(state=CaseState.EXIT_REPORT, outcome=outcome)
    submitted = exit_at + days(rng.uniform(3, 30))
    if submitted > now:
        return fields
    fields.update(exit_reported_at=submitted, state=CaseState.AWAITING_CLOSURE)
    closed = submitted + days(rng.uniform(2, 30))
    if closed > now:
        return fields
    fields.update(closed_at=closed, state=CaseState.CLOSED)
    return fields


# --- writing rows -----------------------------------------------------------------------


class Ids:
    """The next free id of each table (rows are written with their ids, so that the journal
    is chained in id order and no RETURNING is needed); the sequences follow at the end."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model]) -> int:
        if model not in self.next:
            last = model._base_manager.aggregate(last=models.Max("pk"))["last"] or 0
            self.next[model] = last + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def reset_sequences(self) -> None:
        sql = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)


_DEFAULTS: dict[type[models.Model], tuple[dict, dict]] = {}


def instance(model: type[models.Model], **values) -> models.Model:
    """An unsaved row without ``Model.__init__`` (a tenth of its time, which counts for
    millions of rows): the fields' defaults, then ``values``; a related object given by the
    field's name is kept by its id."""
    if model not in _DEFAULTS:
        fields = model._meta.concrete_fields
        _DEFAULTS[model] = (
            {field.attname: field.get_default() for field in fields},
            {field.name: field.attname for field in fields if field.is_relation},
        )
    defaults, relations = _DEFAULTS[model]
    row = model.__new__(model)
    row._state = ModelState()
    row.__dict__.update(defaults)
    for name, value in values.items():
        if name in relations:
            row.__dict__[relations[name]] = value.pk if value is not None else None
        else:
            row.__dict__[name] = value
    return row


def _reader(field: models.Field) -> Callable[[dict], object]:
    """How a column's value is read from a row's ``__dict__`` for COPY: as it is, but for
    JSON (its text) and files (their name)."""
    name = field.attname
    if isinstance(field, models.JSONField):
        return lambda values: json.dumps(values[name], cls=field.encoder)
    if isinstance(field, models.FileField):
        return lambda values: str(values[name] or "")
    return lambda values: values[name]


def write(model: type[models.Model], rows: list[models.Model]) -> None:
    """Insert ``rows`` (unsaved instances with their ids) as they are: COPY on PostgreSQL."""
    if not rows:
        return
    now = timezone.now()
    fields = model._meta.concrete_fields
    for field in fields:  # what auto_now(_add) would fill in, where the builder gave nothing
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for row in rows:
                if row.__dict__.get(field.attname) is None:
                    row.__dict__[field.attname] = now
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    if db.vendor != "postgresql":  # SQLite: one prepared INSERT, the values as given
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        values = [[field.get_db_prep_save(getattr(row, field.attname), db) for field in fields] for row in rows]
        with db.cursor() as cursor:
            cursor.executemany(sql, values)
        return
    readers = [_reader(field) for field in fields]
    copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with db.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for row in rows:
            values = row.__dict__
            copy.write_row([read(values) for read in readers])


# --- the builder ------------------------------------------------------------------------


class Builder:
    def __init__(self, n: int, *, seed: int, password: str, say: Callable[[str], None]) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.password = make_password(password)  # hashed once, shared by every bulk user
        self.say = say
        self.ids = Ids()
        self.now = timezone.now()
        self.regions = list(Region.objects.order_by("pk"))
        self.themes = {t.code: t for t in Theme.objects.order_by("pk")}
        self.institutions = list(Institution.objects.order_by("pk"))
        self.by_code = {i.code: i for i in self.institutions}
        if not CatalogueMeasure.objects.exists():
            load_case_reference_data(CatalogueMeasure, EmployerContact, Institution)
        self.catalogue = list(CatalogueMeasure.objects.order_by("pk"))
        self.employers = list(EmployerContact.objects.order_by("pk").values_list("pk", flat=True))
        self.counters = dict(ReferenceCounter.objects.values_list("year", "last"))
        self.journal_head = ""
        self.counts: dict[str, int] = defaultdict(int)

    # users

    def user(self, name: str, first: str, last: str, language: str, role: str, **units) -> User:
        user = User(
            id=self.ids.take(User),
            username=PREFIX + name,
            first_name=first,
            last_name=last,
            email=f"{name}@bulk.example",
            language=language,
            password=self.password,
            is_staff=role == Role.OFFICER,
            date_joined=self.now,
        )
        self.users.append(user)
        self.memberships.append(Membership(id=self.ids.take(Membership), user=user, role=role, starts_on=START, **units))
        return user

    def make_users(self, open_by_region: dict[int, int]) -> None:
        rng = self.rng
        self.users: list[User] = []
        self.memberships: list[Membership] = []

        def name() -> tuple[str, str]:
            return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

        def lang(region: Region) -> str:
            return "de" if region.code == "ow" else "fr"

        self.officer = self.user("officer", *name(), "fr", Role.OFFICER)
        self.steering = self.user("steering", *name(), "de", Role.STEERING)
        self.user("secretariat", *name(), "de", Role.SECRETARIAT)
        self.coordinator = {
            r.pk: self.user(f"coordinator-{r.code}", *name(), lang(r), Role.REGIONAL_COORDINATOR, region=r) for r in self.regions
        }
        self.thematic = {
            t.pk: self.user(f"coordinator-{t.code}", *name(), "de", Role.THEMATIC_COORDINATOR, theme=t)
            for t in self.themes.values()
        }
        self.frontline = [
            self.user(f"frontline-{code}-{r.code}", *name(), lang(r), Role.FRONTLINE, institution=self.by_code[code])
            for r in self.regions
            for code in FRONTLINE_INSTITUTIONS
            if code in self.by_code
        ] or [self.officer]
        self.cms: dict[int, list[User]] = {}
        for region in self.regions:
            count = max(1, round(open_by_region.get(region.pk, 0) / CASELOAD))
            self.cms[region.pk] = [
                self.user(
                    f"cm-{region.code}-{i}",
                    *name(),
                    lang(region),
                    Role.CONTACT_PERSON,
                    region=region,
                    institution=self.institutions[i % len(self.institutions)],
                )
                for i in range(count)
            ]
        write(User, self.users)
        write(Membership, self.memberships)
        self.counts["users"] = len(self.users)

    # cases

    def reference(self, reported: datetime.datetime) -> str:
        year = timezone.localdate(reported).year
        self.counters[year] = self.counters.get(year, 0) + 1
        return f"IIZ-{year}-{self.counters[year]:05d}"

    def build(self) -> dict[str, int]:
        rng = self.rng
        paths = [plan_case(rng, self.now) for _ in range(self.n)]
        paths.sort(key=lambda path: path["reported_at"])  # references follow the report dates
        themes = [None, self.themes.get("youth"), self.themes.get("asylum")]
        for path in paths:
            path["region"] = rng.choice(self.regions)
            path["theme"] = rng.choices(themes, [70, 20, 10])[0]
        # Case managers: enough for 20 to 40 open cases each, the open cases dealt out in turn.
        needs_cm = [p for p in paths if p.get("cm_designated_at") or p.get("interrupted_at")]
        open_by_region: dict[int, int] = defaultdict(int)
        for path in needs_cm:
            if path["state"] not in FINAL_STATES:
                open_by_region[path["region"].pk] += 1
        self.make_users(open_by_region)
        turn: dict[int, int] = defaultdict(int)
        for path in needs_cm:
            cms = self.cms[path["region"].pk]
            if path["state"] in FINAL_STATES:
                path["cm"] = rng.choice(cms)
            else:
                path["cm"] = cms[turn[path["region"].pk] % len(cms)]
                turn[path["region"].pk] += 1
        self.journal_head = chain._head(JournalEntry)  # takes the chain's lock until the commit
        for start in range(0, len(paths), CHUNK):
            self.chunk(paths[start : start + CHUNK])
            self.say(f"  {min(start + CHUNK, len(paths))} of {len(paths)} cases")
        for year, last in self.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
        self.ids.reset_sequences()
        return dict(self.counts)

    def chunk(self, paths: list[dict]) -> None:
        rng = self.rng
        rows: dict[type[models.Model], list] = defaultdict(list)
        case_links, poa_links = Case.institutions.through, PowerOfAttorney.institutions.through
        journal: list[JournalEntry] = []

        def add(model, **fields):
            row = instance(model, id=self.ids.take(model), **fields)
            rows[model].append(row)
            return row

        def note(case, at, by, kind, text="", **fields):
            journal.append(instance(JournalEntry, case_id=case.pk, at=at, author_id=by.pk, kind=kind, text=text, **fields))

        def step(case, at, by, name, source, target, text="", **fields):
            note(case, at, by, JournalKind.TRANSITION, text, transition=name, from_state=source, to_state=target, **fields)

        for path in paths:
            region, theme = path["region"], path["theme"]
            coordinator = self.thematic[theme.pk] if theme else self.coordinator[region.pk]
            cm = path.get("cm")
            reporting = rng.choice(self.institutions)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if rng.random() < 0.15:
                last = f"{last}-{rng.choice(LAST_NAMES)}"
            person = add(
                Person,
                first_name=first,
                last_name=last,
                birth_date=datetime.date(1960, 1, 1) + days(rng.randrange(46 * 365)),
                sex=rng.choice("fm"),
                language="de" if region.code == "ow" else rng.choice(("fr", "fr", "de")),
                street=f"{rng.choice(('Bahnhofstrasse', 'Rue du Rhône', 'Avenue de la Gare', 'Kirchstrasse'))} {rng.randint(1, 80)}",
                postcode=rng.choice(("3900", "3930", "1950", "1920", "1870", "3960")),
                city=rng.choice(("Brig", "Visp", "Sion", "Martigny", "Monthey", "Sierre")),
                created_at=path["reported_at"],
            )
            involved = sorted({reporting.pk, *rng.sample([i.pk for i in self.institutions], rng.choice([1, 2]))})
            codes = {i.pk: i.code for i in self.institutions}
            reporter = rng.choice(self.frontline)
            state = path["state"]
            case = add(
                Case,
                reference=self.reference(path["reported_at"]),
                person=person,
                reporting_institution=reporting,
                reported_by=reporter,
                lead_institution=reporting if cm else None,
                region=region,
                theme=theme,
                reason=rng.choice(REASONS),
                coordinator=coordinator,
                case_manager=cm,
                state=state,
                updated_at=self.now,
                institutions_on_record=", ".join(sorted(codes[pk].upper() for pk in involved)),
                outcome=path.get("outcome", "") if state == CaseState.CLOSED else "",
                **{
                    name: path.get(name)
                    for name in (
                        "reported_at",
                        "meeting_decided_at",
                        "cm_designated_at",
                        "first_meeting_on",
                        "plan_submitted_at",
                        "plan_validated_at",
                        "implementation_finished_at",
                        "exit_reported_at",
                        "closed_at",
                        "interrupted_at",
                    )
                },
            )
            for pk in involved:
                add(case_links, case_id=case.pk, institution_id=pk)
            step(case, case.reported_at, reporter, "report", "", CaseState.REPORTED, case.reason)
            if case.meeting_decided_at:
                target = CaseState.ASSESSMENT if state == CaseState.ASSESSMENT else CaseState.ROUND_TABLE
                name = "plan_assessment" if target == CaseState.ASSESSMENT else "plan_round_table"
                step(case, case.meeting_decided_at, coordinator, name, CaseState.REPORTED, target)
                if state == CaseState.NO_CASE_MANAGEMENT:
                    step(case, case.closed_at, coordinator, "end_without_case_management", target, state, "No need found.")
                if case.cm_designated_at:
                    step(
                        case,
                        case.cm_designated_at,
                        coordinator,
                        "designate_case_manager",
                        target,
                        CaseState.CM_DESIGNATED,
                        event=events.CASE_MANAGER_DESIGNATED,
                        params={"name": str(cm)},
                    )
            plans, reviews, poas = self.records(case, path, cm, coordinator, involved, add, note, step)
            # What deadlines.load gives the rules: the latest review of each kind, the powers
            # of attorney and the newest plan version.
            latest: dict[str, Review] = {}
            for review in reviews:
                if review.kind not in latest or review.held_on > latest[review.kind].held_on:
                    latest[review.kind] = review
            case._prefetched_objects_cache = {"reviews": list(latest.values()), "powers_of_attorney": poas}
            case.records.__dict__["current_plan"] = plans[-1] if plans else None
            for name, value in deadlines.kept_dates(case).items():
                setattr(case, name, value)

        previous = self.journal_head
        for entry in journal:
            entry.id = self.ids.take(JournalEntry)
            entry.hash = previous = chain.digest(previous, entry)
        self.journal_head = previous
        rows[JournalEntry] = journal
        for model in (
            Person,
            Case,
            case_links,
            ActionPlan,
            Goal,
            Measure,
            PowerOfAttorney,
            poa_links,
            Review,
            ExitReport,
            Closure,
            CaseFile,
            JournalEntry,
        ):
            write(model, rows[model])
            self.counts[model.__name__] += len(rows[model])

    def records(self, case, path, cm, coordinator, involved, add, note, step):
        """The plans, powers of attorney, reviews, exit report, closure and scans of ``case``
        and their journal entries; returns (plans, reviews, powers of attorney)."""
        rng, now = self.rng, self.now
        state = case.state
        plans: list[ActionPlan] = []
        reviews: list[Review] = []
        poas: list[PowerOfAttorney] = []
        if not case.first_meeting_on:
            if case.interrupted_at:
                self.ending(case, path, cm, coordinator, add, note, step, poas)
            return plans, reviews, poas
        started = timezone.make_aware(datetime.datetime.combine(case.first_meeting_on, datetime.time(10)))
        step(
            case,
            started,
            cm,
            "start_plan",
            CaseState.CM_DESIGNATED,
            CaseState.PLAN_PREPARATION,
            event=events.FIRST_MEETING,
            params={"date": case.first_meeting_on.isoformat()},
        )

        def plan(version: int, status: str, submitted=None, decided=None) -> ActionPlan:
            row = add(
                ActionPlan,
                case=case,
                version=version,
                status=status,
                author=cm,
                created_at=started if version == 1 else (submitted or now) - days(10),
                submitted_at=submitted,
                submitted_by=cm if submitted else None,
                decided_at=decided,
                validator=coordinator if decided else None,
                proposed_options="Another measure first." if status == PlanStatus.SENT_BACK else "",
            )
            for position, text in enumerate(rng.sample(GOALS, 2)):
                add(Goal, plan=row, position=position, text=text)
            for position in range(rng.choice((2, 3))):
                offer = rng.choice(self.catalogue)
                start = timezone.localdate(submitted or started) + days(rng.uniform(5, 30))
                add(
                    Measure,
                    plan=row,
                    position=position,
                    catalogue_measure=offer,
                    title=offer.name_de,
                    employer_contact_id=rng.choice(self.employers) if self.employers and rng.random() < 0.3 else None,
                    responsible_institution_id=offer.institution_id,
                    starts_on=start,
                    due_on=start + days(rng.choice((60, 90, 180))),
                    status=MeasureStatus.DONE if state in FINAL_STATES else MeasureStatus.RUNNING,
                )
            note(case, row.created_at + days(1), cm, JournalKind.RECORD, event=events.PLAN_SAVED, params={"version": version})
            plans.append(row)
            return row

        version = 1
        if "sent_back" in path:
            submitted, decided = path["sent_back"]
            plan(1, PlanStatus.SENT_BACK, submitted, decided)
            step(case, submitted, cm, "submit_plan", CaseState.PLAN_PREPARATION, CaseState.PLAN_VALIDATION)
            step(
                case,
                decided,
                coordinator,
                "send_back_plan",
                CaseState.PLAN_VALIDATION,
                CaseState.PLAN_PREPARATION,
                "Please add a measure.",
                event=events.PLAN_SENT_BACK,
                params={"options": "Another measure first."},
            )
            version = 2
        if state == CaseState.PLAN_PREPARATION or (not case.plan_submitted_at and case.interrupted_at):
            plan(version, PlanStatus.DRAFT)
        elif state == CaseState.PLAN_VALIDATION:
            plan(version, PlanStatus.SUBMITTED, case.plan_submitted_at)
            step(case, case.plan_submitted_at, cm, "submit_plan", CaseState.PLAN_PREPARATION, CaseState.PLAN_VALIDATION)
        elif case.plan_validated_at:
            step(case, case.plan_submitted_at, cm, "submit_plan", CaseState.PLAN_PREPARATION, CaseState.PLAN_VALIDATION)
            step(case, case.plan_validated_at, coordinator, "validate_plan", CaseState.PLAN_VALIDATION, CaseState.IMPLEMENTATION)
            current = plan(version, PlanStatus.VALIDATED, case.plan_submitted_at, case.plan_validated_at)
            end = case.implementation_finished_at or case.interrupted_at or now
            # A changed plan: a later version validated, the earlier one superseded.
            changed = case.plan_validated_at + days(rng.uniform(100, 200))
            if rng.random() < 0.2 and changed + days(20) < end:
                current.status = PlanStatus.SUPERSEDED
                step(case, changed - days(15), cm, "change_plan", CaseState.IMPLEMENTATION, CaseState.PLAN_PREPARATION)
                step(case, changed - days(5), cm, "submit_plan", CaseState.PLAN_PREPARATION, CaseState.PLAN_VALIDATION)
                step(case, changed, coordinator, "validate_plan", CaseState.PLAN_VALIDATION, CaseState.IMPLEMENTATION)
                current = plan(version + 1, PlanStatus.VALIDATED, changed - days(5), changed)
            for row in plans:
                if row.status in (PlanStatus.VALIDATED, PlanStatus.SUPERSEDED) and rng.random() < 0.7:
                    self.signed_plan(case, row, cm, add, note)
            # Powers of attorney: signed at the start, renewed each year (a tenth ran out).
            signed = timezone.localdate(case.cm_designated_at) + days(rng.uniform(0, 20))
            while signed <= timezone.localdate(end):
                poa = add(
                    PowerOfAttorney,
                    case=case,
                    signed_on=signed,
                    valid_until=one_year_after(signed),
                    recorded_by=cm,
                    created_at=timezone.make_aware(datetime.datetime.combine(signed, datetime.time(11))),
                )
                add(PowerOfAttorney.institutions.through, powerofattorney_id=poa.pk, institution_id=case.reporting_institution_id)
                poas.append(poa)
                note(
                    case,
                    poa.created_at,
                    cm,
                    JournalKind.RECORD,
                    event=events.POA_RECORDED,
                    params={"date": signed.isoformat(), "until": poa.valid_until.isoformat()},
                )
                if rng.random() < 0.7:
                    self.signed_poa(case, poa, cm, add, note)
                if rng.random() < 0.1:
                    break
                signed = poa.valid_until - days(rng.uniform(0, 20))
            # Reviews with the person and with the team, about every three months.
            held = case.plan_validated_at
            while rng.random() < 0.9:
                held += days(rng.uniform(60, 110))
                if held > end:
                    break
                for kind in (ReviewKind.WITH_PERSON, ReviewKind.TEAM):
                    review = add(
                        Review,
                        case=case,
                        kind=kind,
                        held_on=timezone.localdate(held),
                        summary="Progress as planned; measures running.",
                        author=cm,
                        created_at=held,
                    )
                    reviews.append(review)
                    note(case, held, cm, JournalKind.RECORD, review.summary, transition="review")
            if "network_asked_at" in path:
                step(case, path["network_asked_at"], cm, "ask_network", CaseState.IMPLEMENTATION, CaseState.NETWORK)
            if case.implementation_finished_at:
                step(case, case.implementation_finished_at, cm, "finish_plan", CaseState.IMPLEMENTATION, CaseState.EXIT_REPORT)
        if rng.random() < 0.3:
            uploaded = case.cm_designated_at + days(rng.uniform(5, 30))
            add(
                CaseFile,
                case=case,
                category=FileCategory.CV,
                file=f"cases/{case.pk}/cv.pdf",
                original_name="CV.pdf",
                content_type="application/pdf",
                size=rng.randint(40_000, 400_000),
                uploaded_by=cm,
                uploaded_at=uploaded,
            )
            note(case, uploaded, cm, JournalKind.RECORD, event=events.FILE_ADDED, params={"category": "cv", "name": "CV.pdf"})
        self.ending(case, path, cm, coordinator, add, note, step, poas)
        return plans, reviews, poas

    def ending(self, case, path, cm, coordinator, add, note, step, poas) -> None:
        """The interruption, the exit report and the closure."""
        if case.interrupted_at:
            source = CaseState.IMPLEMENTATION if case.plan_validated_at else CaseState.PLAN_PREPARATION
            step(case, case.interrupted_at, cm, "interrupt", source, CaseState.EXIT_REPORT, "The person moved away.")
        outcome = path.get("outcome")
        if not outcome:
            return
        add(
            ExitReport,
            case=case,
            outcome=outcome,
            summary="Support ended as reported.",
            author=cm,
            created_at=case.implementation_finished_at or case.interrupted_at,
            submitted_at=case.exit_reported_at,
            power_of_attorney=poas[-1] if poas else None,
        )
        if case.exit_reported_at:
            note(case, case.exit_reported_at - days(1), cm, JournalKind.RECORD, event=events.EXIT_REPORT_SAVED)
            step(case, case.exit_reported_at, cm, "submit_exit_report", CaseState.EXIT_REPORT, CaseState.AWAITING_CLOSURE)
        if case.state == CaseState.CLOSED:
            add(Closure, case=case, closed_by=coordinator, closed_at=case.closed_at, archive_note="Archived.")
            step(case, case.closed_at, coordinator, "close", CaseState.AWAITING_CLOSURE, CaseState.CLOSED, "Archived.")

    def signed_plan(self, case, plan, cm, add, note) -> None:
        signed_on = timezone.localdate(plan.decided_at) + days(self.rng.uniform(1, 10))
        plan.signature_place, plan.signed_by_person_on, plan.signed_by_cm_on = "Sion", signed_on, signed_on
        uploaded = timezone.make_aware(datetime.datetime.combine(signed_on, datetime.time(15)))
        name = f"plan-v{plan.version}-signed.pdf"
        add(
            CaseFile,
            case=case,
            category=FileCategory.SIGNED_PLAN,
            plan=plan,
            file=f"cases/{case.pk}/{name}",
            original_name=name,
            content_type="application/pdf",
            size=self.rng.randint(200_000, 900_000),
            uploaded_by=cm,
            uploaded_at=uploaded,
        )
        day = signed_on.isoformat()
        note(
            case,
            uploaded,
            cm,
            JournalKind.RECORD,
            event=events.SIGNED_PLAN_FILED,
            params={"version": plan.version, "place": "Sion", "person": day, "cm": day},
        )

    def signed_poa(self, case, poa, cm, add, note) -> None:
        uploaded = poa.created_at + days(1)
        add(
            CaseFile,
            case=case,
            category=FileCategory.SIGNED_POA,
            power_of_attorney=poa,
            file=f"cases/{case.pk}/poa-{poa.signed_on.isoformat()}.pdf",
            original_name="power-of-attorney.pdf",
            content_type="application/pdf",
            size=self.rng.randint(100_000, 500_000),
            uploaded_by=cm,
            uploaded_at=uploaded,
        )
        note(case, uploaded, cm, JournalKind.RECORD, event=events.SIGNED_POA_FILED, params={"date": poa.signed_on.isoformat()})


def bulk_present() -> bool:
    return User.objects.filter(username=PREFIX + "officer").exists()


def seed_bulk(n: int, *, seed: int = 7, password: str = BULK_PASSWORD, say: Callable[[str], None] = print) -> dict[str, int]:
    """Add ``n`` cases and their users in one transaction; returns the rows written per kind."""
    with transaction.atomic():
        counts = Builder(n, seed=seed, password=password, say=say).build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics for the planner, as autovacuum would give later
    return counts


def logins() -> list[str]:
    """The usernames the load benchmark signs in with (one of each kind)."""
    return [f"{PREFIX}officer", f"{PREFIX}steering", f"{PREFIX}coordinator-ow", f"{PREFIX}cm-ow-0"]
