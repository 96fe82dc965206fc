"""The demo's accounting and conferences, made by the real actions (cases/accounting/,
cases/conferences.py): two tables of cost shares, the costs of the held assessments and of a
few measures, invoices in each state (draft, sent and overdue, paid, cancelled with a credit
note) and two conferences with their registrations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cases import conferences
from cases.accounting import actions
from cases.models import Conference, Cost, CostKind, Meeting, MeetingKind
from roles.models import Institution, Membership, User

ASSESSMENT_PRICE = Decimal("1850.00")
# (days before the anchor, description, amount) of the measures financed through IIZ.
MEASURES = [
    (150, "Arbeitsversuch mit Job-Coaching (IIZ-Finanzierung)", "2400.00"),
    (120, "Bilan de compétences professionnel", "1275.50"),
    (95, "Deutschkurs A2 mit Bewerbungstraining", "980.00"),
    (62, "Stage d'évaluation en atelier protégé", "3120.00"),
    (33, "Coaching à l'emploi (3 mois)", "1666.65"),
    (12, "Berufliche Abklärung im Praxisbetrieb", "2150.00"),
]


def _month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return start, end


def seed_accounting(anchor: datetime.date) -> None:
    officer, secretariat = User.objects.get(username="officer"), User.objects.get(username="secretariat")
    by_code = {i.code: i for i in Institution.objects.all()}
    first = datetime.date(anchor.year - 1, 1, 1)
    actions.set_cost_shares(
        by=officer,
        valid_from=first,
        shares={by_code["rav"]: 30, by_code["social"]: 30, by_code["ai"]: 25, by_code["suva"]: 5, by_code["vocational"]: 10},
    )
    actions.set_cost_shares(
        by=officer,
        valid_from=datetime.date(anchor.year, 1, 1),
        shares={by_code["rav"]: 35, by_code["social"]: 30, by_code["ai"]: 25, by_code["vocational"]: 10},
    )
    for meeting in Meeting.objects.filter(kind=MeetingKind.ASSESSMENT, held_on__isnull=False).select_related("case"):
        actions.record_cost(
            by=secretariat,
            kind=CostKind.ASSESSMENT,
            incurred_on=meeting.held_on,
            description=f"Assessment {meeting.case.reference}",
            amount=ASSESSMENT_PRICE,
            meeting=meeting,
        )
    for days, description, amount in MEASURES:
        actions.record_cost(
            by=secretariat,
            kind=CostKind.MEASURE,
            incurred_on=anchor - datetime.timedelta(days=days),
            description=description,
            amount=Decimal(amount),
        )

    def invoice(code: str, days: int):
        start, end = _month(anchor - datetime.timedelta(days=days))
        return actions.make_invoice(by=secretariat, institution=by_code[code], period_start=start, period_end=end)

    paid = invoice("rav", 150)
    paid = actions.send_invoice(paid, by=secretariat, issued_on=_month(anchor - datetime.timedelta(days=150))[1])
    actions.mark_invoice_paid(paid, by=secretariat, paid_on=paid.issued_on + datetime.timedelta(days=21))
    wrong = invoice("social", 120)
    actions.send_invoice(wrong, by=secretariat, issued_on=_month(anchor - datetime.timedelta(days=120))[1])
    actions.cancel_invoice(wrong, by=secretariat, reason="Falsche Periode: die Kosten gehören zum Folgemonat.")
    overdue = invoice("ai", 95)
    actions.send_invoice(overdue, by=secretariat, issued_on=_month(anchor - datetime.timedelta(days=95))[1])
    open_item = invoice("rav", 33)
    actions.send_invoice(open_item, by=secretariat, issued_on=anchor - datetime.timedelta(days=5))
    invoice("social", 12)  # a draft, waiting in the secretariat's tasks


def seed_conferences(anchor: datetime.date) -> None:
    secretariat = User.objects.get(username="secretariat")
    staff = list(
        User.objects.filter(memberships__in=Membership.objects.active().filter(institution__isnull=False))
        .distinct()
        .order_by("username")
    )
    coming = conferences.save_conference(
        Conference(
            title="IIZ-Tagung Wallis / Journée CII Valais",
            held_on=anchor + datetime.timedelta(days=45),
            place="Visp, La Poste",
            description="Zusammenarbeit an der Schnittstelle Arbeit–Gesundheit / La collaboration entre travail et santé.",
            capacity=80,
        ),
        by=secretariat,
    )
    past = conferences.save_conference(
        Conference(
            title="Rencontre des répondants CII",
            held_on=anchor - datetime.timedelta(days=60),
            place="Sion, Espace Porte de Conthey",
        ),
        by=secretariat,
    )
    for user in staff[:4]:
        conferences.register(coming, by=user)
    for user in staff[4:6]:
        conferences.register(coming, by=secretariat, participant=user)
    for user in staff[:3]:
        conferences.register(past, by=user)


def accounting_present() -> bool:
    return Cost.objects.exists()
