"""The base of every form of the application: what no input may do, in one place.

- NUL characters are removed from every submitted value before any field sees it: no field
  (text, choice, a lookup by a text key) passes one on to the database, where PostgreSQL
  refuses it.
- A model choice given an integer beyond a 64-bit key is an invalid choice.
- Every date and date-time field takes only dates between 1900 and 2100, with one message:
  the dates of a case are all in that range, and dates far outside it overflow the date
  arithmetic of the filters and the time-zone conversion of a date-time.
- Every text field without a length limit of its own (the free texts: notes, summaries,
  reasons, the models' TextFields) takes at most ``TEXT_MAX_LENGTH`` characters, with
  Django's translated message: what is stored is printed in the PDFs, and the PDFs must
  render in bounded time.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)
DATE_RANGE_MESSAGE = _("Enter a date between 1900 and 2100.")


def date_in_range(value: datetime.date | datetime.datetime | None) -> None:
    """A validator: the date (or the date of a date-time) lies in 1900–2100."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


def without_nul(data):
    """``data`` (a QueryDict or a dict) with the NUL characters removed from every value; the
    same object when there is none."""
    if data is None:
        return None
    values = (values for _key, values in data.lists()) if isinstance(data, QueryDict) else data.values()
    if not any(_has_nul(value) for value in values):
        return data
    if isinstance(data, QueryDict):
        clean = data.copy()
        for key, values in data.lists():
            clean.setlist(key, [value.replace("\x00", "") if isinstance(value, str) else value for value in values])
        return clean
    return {key: _strip(value) for key, value in data.items()}


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


def _strip(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(item) for item in value)
    return value


def bound_dates(fields) -> None:
    """Add the 1900–2100 validator to every date and date-time field of ``fields``."""
    for field in fields.values():
        dated = isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField))
        if dated and date_in_range not in field.validators:
            field.validators.append(date_in_range)


TEXT_MAX_LENGTH = 10_000  # about four typed pages


def bound_texts(fields) -> None:
    """Give every text field of ``fields`` without a ``max_length`` the limit ``TEXT_MAX_LENGTH``
    (its validator and the widget's ``maxlength``)."""
    for field in fields.values():
        if isinstance(field, forms.CharField) and field.max_length is None:
            field.max_length = TEXT_MAX_LENGTH
            field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))


BIGGEST_KEY = 2**63 - 1  # a 64-bit primary key; SQLite cannot even bind a larger integer


def _beyond_any_key(value) -> bool:
    text = str(value).strip()
    return text.lstrip("+-").isdigit() and abs(int(text)) > BIGGEST_KEY


def refuse_huge_keys(fields) -> None:
    """A model choice given an integer beyond any key is an invalid choice, refused before the
    database is asked (SQLite raises OverflowError binding it in ``pk__in``)."""
    for field in fields.values():
        if not isinstance(field, forms.ModelChoiceField):
            continue

        def checked(value, field=field, clean=field.clean):
            values = value if isinstance(value, (list, tuple)) else [value]
            huge = next((item for item in values if item is not None and _beyond_any_key(item)), None)
            if huge is not None:
                raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice", params={"value": huge})
            return clean(value)

        field.clean = checked


class SafeInputMixin:
    """Mixed into every form: NUL characters out of the data, dates bounded, no key beyond
    64 bits, free texts bounded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data = without_nul(self.data)
        bound_dates(self.fields)
        bound_texts(self.fields)
        refuse_huge_keys(self.fields)


class SafeForm(SafeInputMixin, forms.Form):
    pass


class SafeModelForm(SafeInputMixin, forms.ModelForm):
    pass


class PlainSelect(forms.Select):
    """A select built in Python rather than through a template per option (Django renders
    each option through the template engine: a list of hundreds of case managers took tens
    of milliseconds a page). The same HTML: the attributes, the options, ``selected``."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        chosen = {str(v) for v in self.format_value(value)}

        def options(choices) -> list[str]:
            out = []
            for option_value, label in choices:
                if isinstance(label, (list, tuple)):
                    out.append(f'<optgroup label="{escape(option_value)}">{"".join(options(label))}</optgroup>')
                    continue
                text = "" if option_value is None else str(option_value)
                selected = " selected" if text in chosen else ""
                out.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
            return out

        return mark_safe(
            f"<select{flatatt(attrs)}>{''.join(options(self.choices))}</select>"
        )  # the values and labels are escaped above
