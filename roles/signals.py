"""Signal receivers of the roles app."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in)
def remember_first_language(sender, request, user, **kwargs):
    """A user without a saved language keeps the one the browser asked for at first login."""
    if not user.language:
        user.language = translation.get_language_from_request(request) or "de"
        user.save(update_fields=["language"])


@receiver(user_logged_in)
def ask_for_the_second_factor(sender, request, user, **kwargs):
    """A user with a second factor owes the code from the password login on (roles/middleware.py);
    a user who must have one is sent to set it up (the middleware asks the setting itself)."""
    from roles import second_factor

    if request is not None and hasattr(request, "session") and second_factor.has_second_factor(user):
        request.session[second_factor.PENDING_KEY] = True
