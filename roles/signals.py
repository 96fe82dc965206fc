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
