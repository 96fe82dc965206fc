"""The employment fund's figures, read only: for one year, the budget the officer set, what
the commission's approvals commit (their amounts, by the year of the sitting), what was paid,
what was refunded after a pre-financing (the institution paid later) and what remains
(budget − committed + refunded); and the same by region, theme and kind of request."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from cases.models import APPROVING_OUTCOMES, Decision, Fund, FundingKind, FundMovement, MovementKind
from roles.models import Region, Theme

ZERO = Decimal("0")


@dataclass
class Figures:
    budget: Decimal | None = None  # None: no budget set for the year
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return (self.budget or ZERO) - self.committed + self.refunded


@dataclass
class Line:
    """One line of a breakdown: a region, theme or kind of request, and its figures."""

    label: str = ""
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    refunded: Decimal = ZERO


@dataclass
class Breakdown:
    title: str
    lines: list[Line] = field(default_factory=list)


def _committed(year: int):
    return Decision.objects.filter(sitting__held_on__year=year, outcome__in=APPROVING_OUTCOMES)


def position(year: int) -> Figures:
    """The fund of ``year`` alone (the budget check of a decision): three queries."""
    fund = Fund.objects.filter(year=year).first()
    figures = Figures(budget=fund.budget if fund else None)
    figures.committed = _committed(year).aggregate(total=Sum("amount"))["total"] or ZERO
    moved = FundMovement.objects.filter(fund__year=year).values("kind").annotate(total=Sum("amount"))
    for row in moved:
        if row["kind"] == MovementKind.PAYMENT:
            figures.paid = row["total"]
        else:
            figures.refunded = row["total"]
    return figures


GROUPS = {"region": "request__case__region", "theme": "request__case__theme", "kind": "request__kind"}


def report(year: int) -> tuple[Figures, list[Breakdown]]:
    """The fund of ``year`` and its breakdowns by region, by theme and by kind of request,
    from two grouped queries (the commitments and the movements, each by region, theme and
    kind at once), the budget, and the names of the regions and themes: five queries."""
    from django.utils.translation import gettext as _

    fund = Fund.objects.filter(year=year).first()
    figures = Figures(budget=fund.budget if fund else None)
    paths = list(GROUPS.values())
    committed = _committed(year).values(*paths).annotate(total=Sum("amount")).order_by()
    moved = FundMovement.objects.filter(fund__year=year).values(*paths, "kind").annotate(total=Sum("amount")).order_by()
    lines: dict[str, dict] = {group: defaultdict(Line) for group in GROUPS}
    for row in committed:
        total = row["total"] or ZERO
        figures.committed += total
        for group, path in GROUPS.items():
            lines[group][row[path]].committed += total
    for row in moved:
        total = row["total"] or ZERO
        figure = "paid" if row["kind"] == MovementKind.PAYMENT else "refunded"
        setattr(figures, figure, getattr(figures, figure) + total)
        for group, path in GROUPS.items():
            line = lines[group][row[path]]
            setattr(line, figure, getattr(line, figure) + total)
    regions = {r.pk: str(r) for r in Region.objects.all()}
    themes = {t.pk: str(t) for t in Theme.objects.all()}
    names = {
        "region": lambda pk: regions.get(pk, "—"),
        "theme": lambda pk: themes.get(pk, _("no theme")) if pk else _("no theme"),
        "kind": lambda value: str(FundingKind(value).label),
    }
    titles = {"region": _("By region"), "theme": _("By theme"), "kind": _("By kind of request")}
    found = []
    for group in GROUPS:
        for key, line in lines[group].items():
            line.label = names[group](key)
        found.append(Breakdown(str(titles[group]), sorted(lines[group].values(), key=lambda line: line.label)))
    return figures, found
