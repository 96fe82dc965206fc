"""Helpers of the PDF templates (templates/pdf/): values of exported data as the reader
reads them, and rows of label and value read from the models' field names."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()

EMPTY = "—"
# The change history of a PDF shows each value before and after a change cut to this length
# (the JSON export holds them in full): a long text is not printed twice for each change.
HISTORY_VALUE_LENGTH = 300


@register.filter
def history_value(value: Any) -> str:
    """:func:`pdf_value`, cut after ``HISTORY_VALUE_LENGTH`` characters with an ellipsis."""
    text = pdf_value(value)
    if len(text) <= HISTORY_VALUE_LENGTH:
        return text
    return text[: HISTORY_VALUE_LENGTH - 1].rstrip() + "…"


@register.simple_tag
def history_value_length() -> int:
    return HISTORY_VALUE_LENGTH


@register.filter
def pdf_value(value: Any) -> str:
    """A value of :func:`cases.documents.subject_access.collect` as text: coded values by their
    label, institutions by their name, dates in the Swiss format, lists joined."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(local, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, dict):
        for key in ("label", "name"):
            if value.get(key):
                return str(value[key])
        if "id" in value:
            return f"#{value['id']}"
        return EMPTY
    if isinstance(value, (list, tuple)):
        return ", ".join(pdf_value(v) for v in value) or EMPTY
    return str(value)


def field_label(model_label: str, name: str) -> str:
    return str(capfirst(apps.get_model(model_label)._meta.get_field(name).verbose_name))


@register.simple_tag
def facts(record: dict, model_label: str, names: str) -> list[tuple[str, str]]:
    """(label, value) of the named fields of ``record`` that hold something; the labels
    are the model's field names (``{% facts meeting "cases.Meeting" "place held_on" as rows %}``)."""
    rows = []
    for name in names.split():
        value = record.get(name)
        if value is None or value == "" or value == []:
            continue
        rows.append((field_label(model_label, name), pdf_value(value)))
    return rows


@register.simple_tag
def label(model_label: str, name: str) -> str:
    """The verbose name of one field (a table heading)."""
    return field_label(model_label, name)


@register.filter
def chf(value: Any) -> str:
    """An amount in CHF as Swiss invoices print it (1'234.50)."""
    from cases.accounting.money import chf as formatted

    return formatted(value) if value not in (None, "") else ""
