"""Asking the policy (cases/flow/policy.py) in a template:
``{% may request.user "file_documents" case as may_file %}{% if may_file %}…``.

It reads only the memberships and grants loaded once per request and the case's loaded
records, so no query."""

from django import template

from cases.flow import policy

register = template.Library()


@register.simple_tag
def may(user, name: str, case=None) -> bool:
    """Whether ``user`` may do operation ``name`` (to ``case``) now."""
    return bool(user.is_authenticated) and bool(policy.may(user, name, case))
