"""Every e-mail the cases app sends, rendered and built in one place: the reminders
(cases/deadlines/reminders.py), the end-of-support notices (cases/notices.py), the
notifications (cases/notifications) and the meeting invitations (cases/scheduling).

The body is plain text rendered from a template with HTML escaping off (an apostrophe stays
an apostrophe, "&" stays "&"); the subject is one line of it. A recipient who chose it in
their settings also gets an HTML part made from the same text (escaped there, as HTML must
be). Nothing here decides who is told; ``digest_time`` says when the daily digests go.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

from roles.models import EmailFormat

if TYPE_CHECKING:
    from roles.models import User


def digest_time(now: datetime.datetime) -> datetime.datetime:
    """Today's time of the daily digests of reminders and of notifications (``IIZ_DIGEST_HOUR``,
    local time): a digest goes out once a day, from then on."""
    hour = int(getattr(settings, "IIZ_DIGEST_HOUR", 7))
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time(hour)))


def render_text(template_name: str, context: dict) -> str:
    """The template rendered as plain text: no HTML escaping (in the active language)."""
    template = engines["django"].engine.get_template(template_name)
    rendered = template.render(Context(context, autoescape=False))
    # Template.render marks its output safe, but nothing in it was escaped: give it back as a
    # plain str (adding a str that is not safe unmarks it), so that HTML showing it escapes it.
    return rendered + ""


def render_subject(template_name: str, context: dict) -> str:
    """A subject template rendered as plain text, on one line."""
    return " ".join(render_text(template_name, context).split())


def message(recipient: User, subject: str, body: str, *, connection=None) -> EmailMultiAlternatives:
    """The e-mail to ``recipient``: the plain-text body, and an HTML part of the same text
    when the recipient chose it."""
    email = EmailMultiAlternatives(subject, body, None, [recipient.email], connection=connection)
    if recipient.email_format == EmailFormat.HTML:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            html = render_to_string("emails/body.html", {"subject": subject, "body": body})
        email.attach_alternative(html, "text/html")
    return email


def message_to(address: str, subject: str, body: str, *, user: User | None = None) -> EmailMultiAlternatives:
    """The e-mail to an address: a user's (with the HTML part when they chose it), or an
    external participant's, who has no account (the meeting invitations)."""
    if user is not None:
        return message(user, subject, body)
    return EmailMultiAlternatives(subject, body, None, [address])


def send(recipient: User, subject: str, body: str, *, connection=None) -> None:
    """Send one e-mail to ``recipient`` (who must have an address)."""
    if not recipient.email:
        raise ValueError("The recipient has no e-mail address.")
    message(recipient, subject, body, connection=connection).send()
