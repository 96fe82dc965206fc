"""Every URL pattern of the project, with sample arguments, for tests that must cover all."""

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_BY_CONVERTER = {
    "IntConverter": "1",
    "StringConverter": "x",
    "SlugConverter": "x",
    "UUIDConverter": str(uuid.UUID(int=1)),
    "PathConverter": "x",
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when unnamed
    path: str  # a concrete path with sample arguments
    callback: object


def _sample(pattern) -> str | None:
    """A concrete path for one pattern (regex patterns with groups: None, skipped)."""
    route = getattr(pattern.pattern, "_route", None)
    if route is None:
        regex = pattern.pattern.regex.pattern
        if "(?P" in regex or "(" in regex:
            return None
        return regex.lstrip("^").rstrip("$").replace("\\", "")
    converters = pattern.pattern.converters
    out = route
    for key, conv in converters.items():
        sample = SAMPLE_BY_CONVERTER.get(type(conv).__name__, "1")
        for part in (f"<{key}>",) + tuple(f"<{c}:{key}>" for c in ("int", "str", "slug", "uuid", "path")):
            out = out.replace(part, sample)
    return out


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            piece = _sample(p)
            if piece is None:
                continue
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + piece, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or prefix + piece)
                routes.append(Route(name=name, path="/" + prefix + piece, callback=p.callback))

    walk(get_resolver().url_patterns, "", None)
    return routes
