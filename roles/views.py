"""The user's own settings: interface language, how reminders and notifications arrive by e-mail,
and in which format."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from iiz.forms import SafeModelForm
from roles.models import User


class PreferencesForm(SafeModelForm):
    class Meta:
        model = User
        fields = ["language", "reminder_delivery", "notification_delivery", "email_format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].required = True
        self.fields["language"].help_text = gettext_lazy("Language of the interface and of your e-mails.")
        self.fields["language"].choices = [choice for choice in self.fields["language"].choices if choice[0]]


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Every logged-in user may change their own settings, and only their own."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(request.user.language)
        messages.success(request, _("Your settings were saved."))
        return HttpResponseRedirect(reverse("preferences"))
    return render(request, "roles/preferences.html", {"form": form})
