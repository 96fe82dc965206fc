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
    """The fund of ``year``: three queries."""
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


def breakdowns(year: int) -> list[Breakdown]:
    """The year's figures by region, by theme and by kind of request: six queries, and two
    for the names of the regions and themes."""
    from django.utils.translation import gettext as _

    regions = {r.pk: str(r) for r in Region.objects.all()}
    themes = {t.pk: str(t) for t in Theme.objects.all()}
    names = {
        "region": lambda pk: regions.get(pk, "—"),
        "theme": lambda pk: themes.get(pk, _("no theme")) if pk else _("no theme"),
        "kind": lambda value: str(FundingKind(value).label),
    }
    titles = {"region": _("By region"), "theme": _("By theme"), "kind": _("By kind of request")}
    found = []
    for group, path in GROUPS.items():
        lines: dict = defaultdict(Line)
        for row in _committed(year).values(path).annotate(total=Sum("amount")).order_by(path):
            lines[row[path]].committed = row["total"] or ZERO
        moved = FundMovement.objects.filter(fund__year=year).values(path, "kind").annotate(total=Sum("amount")).order_by(path)
        for row in moved:
            line = lines[row[path]]
            if row["kind"] == MovementKind.PAYMENT:
                line.paid = row["total"]
            else:
                line.refunded = row["total"]
        shown = []
        for key, line in lines.items():
            line.label = names[group](key)
            shown.append(line)
        found.append(Breakdown(str(titles[group]), sorted(shown, key=lambda line: line.label)))
    return found
