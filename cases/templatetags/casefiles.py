"""Template helpers for the files of a case: whether the user may file documents (read from
the memberships and grants loaded once per request, so no query)."""

from django import template

from cases.actions import can_file_documents

register = template.Library()


@register.filter
def may_file(case, user) -> bool:
    """``{% if case|may_file:request.user %}``: the user may file scans and attachments."""
    return bool(user.is_authenticated) and can_file_documents(case, user)
