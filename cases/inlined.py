"""Short lists of a row's related records fetched inside the row's own query: each list is
one JSON array (PostgreSQL ``JSONB_AGG``, SQLite ``JSON_GROUP_ARRAY``) in a column of the
row, and comes back as model instances, as a prefetch would give them.

A page that shows many small sections of one record (the case page: its institutions, the
participants of its meetings, its powers of attorney, funding requests, disputes, ...)
would otherwise run one query per section; here they all come with the record. Use it for
lists that stay short (a case's records), not for lists that grow with the data: the whole
list is in one value.

Nothing here decides what a page may show: the caller filters the querysets as it would
for a prefetch.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection, models
from django.db.models import F, Func, JSONField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property


class JSONRows(Func):
    """The JSON objects of a subquery's rows as one JSON array (an aggregate over the whole
    subquery: no GROUP BY)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def outer(model: type[models.Model]) -> RawSQL:
    """The primary key of the ``model`` row of the query around: what an :class:`Inline`'s
    queryset filters on (``Goal.objects.filter(plan__case=outer(Case))``)."""
    return RawSQL(f'"{model._meta.db_table}"."{model._meta.pk.column}"', (), output_field=models.IntegerField())


class Inline:
    """The rows of a queryset (filtered on :func:`outer`) as one JSON array of objects:
    every concrete field, and those of the ``related`` foreign keys (one level, as
    ``select_related``).

    Its SQL is compiled once per process: building and compiling the few hundred
    expressions of a page's lists costs more than running the query."""

    def __init__(self, build: Callable[[], QuerySet], *related: str) -> None:
        self.build, self.related = build, related
        self._compiled: dict[str, tuple[str, tuple]] = {}

    @cached_property
    def model(self) -> type[models.Model]:
        return self.build().model

    def expression(self) -> RawSQL:
        """The array, for ``annotate()`` of the query around."""
        vendor = connection.vendor
        if vendor not in self._compiled:
            queryset = self.build()
            model = queryset.model
            values = {field.name: F(field.attname) for field in _fields(model)}
            for name in self.related:
                for field in _fields(model._meta.get_field(name).related_model):
                    values[f"{name}__{field.name}"] = F(f"{name}__{field.attname}")
            array = queryset.order_by().annotate(_rows=JSONRows(JSONObject(**values))).values("_rows")
            sql, params = array.query.sql_with_params()
            self._compiled[vendor] = sql, tuple(params)
        sql, params = self._compiled[vendor]
        return RawSQL(sql, params, output_field=JSONField())

    def instances(self, array: list | None, key: Callable | None = None) -> list:
        """The instances of ``array`` (this list's value in a row), sorted by ``key`` (a JSON
        array has no order of its own)."""
        model = self.model
        found = [_instance(model, row, self.related) for row in array or []]
        return sorted(found, key=key) if key else found


def _value(field: models.Field, value):
    """A JSON value back as the field's Python value (dates and times come as text, an
    amount as a number, a boolean as 0 or 1 and a JSON field as text from SQLite)."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)  # stored in UTC
    if isinstance(field, models.DecimalField):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.JSONField) and connection.vendor == "sqlite":
        return json.loads(value)  # SQLite keeps JSON as text, and nests it as a string
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def _instance(model: type[models.Model], row: dict, related: Iterable[str] = ()) -> models.Model:
    values = {field.attname: _value(field, row.get(field.name)) for field in _fields(model)}
    instance = model(**values)
    instance._state.adding, instance._state.db = False, "default"
    for name in related:
        field = model._meta.get_field(name)
        own = {key.partition("__")[2]: value for key, value in row.items() if key.startswith(f"{name}__")}
        loaded = _instance(field.related_model, own) if own.get(field.related_model._meta.pk.name) is not None else None
        setattr(instance, name, loaded)
    return instance


def attach(instance: models.Model, name: str, related: list) -> None:
    """Give ``instance.<name>.all()`` the ``related`` instances without a query, as
    ``prefetch_related`` does."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = list(related)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def attach_by(parents: Iterable[models.Model], name: str, related: list, parent_id: str) -> None:
    """Attach each of ``related`` to the parent whose pk is its ``parent_id`` (every parent
    gets a list, possibly empty)."""
    by_parent = defaultdict(list)
    for item in related:
        by_parent[getattr(item, parent_id)].append(item)
    for parent in parents:
        attach(parent, name, by_parent.get(parent.pk, []))
