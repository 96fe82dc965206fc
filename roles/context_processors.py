"""The account part of the navigation: the home entry and the administration in the user menu.

The cases app adds its own entries (cases/context_processors.py); templates/base.html shows
``account_nav_items`` then ``case_nav_items`` in the main navigation, and ``case_menu_items``
then ``account_menu_items`` in the user menu.
"""

from roles.access import account_menu, account_navigation


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"account_nav_items": account_navigation(user, request.path), "account_menu_items": account_menu(user)}
