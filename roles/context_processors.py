from roles.access import navigation as navigation_for
from roles.access import user_menu


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": navigation_for(user, request.path), "user_menu_items": user_menu(user)}
