"""The notifications by e-mail: at once (``send_at_once``, queued by the action once the step
is committed) or in the daily digest (``send_digests``, run by Celery beat), each in its
recipient's language, each notification at most once.

A sender first wins the notifications it sends with one conditional UPDATE (pending -> sent);
of two workers sending the same one, only one changes the row and sends it. A failed e-mail
gives its notifications back (sent -> pending) for the next attempt, and ``catch_up`` (run by
beat) sends those whose task never came. Users who chose no
e-mail, or have no address, get none: their notifications stay under the bell only.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import timezone, translation

from cases import mail
from cases.models import EmailState, Notification
from cases.notifications import text, url
from roles.models import NotificationDelivery, User

logger = logging.getLogger(__name__)

# How long a notification meant for at once waits for its task before beat sends it.
CATCH_UP_MINUTES = 10


def base_url() -> str:
    return settings.IIZ_BASE_URL.rstrip("/")


def _item(notification: Notification) -> dict:
    return {
        "notification": notification,
        "text": text(notification),
        "actor": str(notification.actor) if notification.actor else "",
        "url": base_url() + url(notification),
    }


def render(notification: Notification) -> tuple[str, str]:
    """Subject and plain-text body of one notification's e-mail, in the recipient's language."""
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {**_item(notification), "recipient": recipient}
        subject = mail.render_subject("emails/notification_subject.txt", context)
        body = mail.render_text("emails/notification.txt", context)
    return subject, body


def render_digest(recipient: User, notifications: list[Notification], today: datetime.date) -> tuple[str, str]:
    """Subject and plain-text body of one recipient's daily digest, in the recipient's language."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {
            "recipient": recipient,
            "items": [_item(n) for n in notifications],
            "today": today,
            "notifications_url": base_url() + reverse("cases:notifications"),
        }
        subject = mail.render_subject("emails/notification_digest_subject.txt", context)
        body = mail.render_text("emails/notification_digest.txt", context)
    return subject, body


def _claim(pks: list[int], now: datetime.datetime) -> set[int]:
    """Win the pending notifications among ``pks``: those this sender changes to sent."""
    won = set()
    for pk in pks:
        if Notification.objects.filter(pk=pk, email_state=EmailState.PENDING).update(email_state=EmailState.SENT, emailed_at=now):
            won.add(pk)
    return won


def _give_back(pks: list[int]) -> None:
    Notification.objects.filter(pk__in=pks, email_state=EmailState.SENT).update(email_state=EmailState.PENDING, emailed_at=None)


def _pending():
    return Notification.objects.filter(email_state=EmailState.PENDING).select_related("recipient", "actor")


def _not_wanted(notifications: list[Notification]) -> None:
    """The pending notifications of users who meanwhile chose no e-mail or have no address."""
    pks = [
        n.pk
        for n in notifications
        if not n.recipient.email or not n.recipient.is_active or n.recipient.notification_delivery == NotificationDelivery.NONE
    ]
    if pks:
        Notification.objects.filter(pk__in=pks, email_state=EmailState.PENDING).update(email_state=EmailState.NONE)


def send_at_once(notification_ids: list[int]) -> list[int]:
    """E-mail these notifications, one e-mail each, to the recipients who want them at once;
    return the ids that failed (to be tried again). A notification already sent, or left for
    the digest, is not sent here."""
    notifications = list(_pending().filter(pk__in=notification_ids).order_by("pk"))
    _not_wanted(notifications)
    wanted = [
        n
        for n in notifications
        if n.recipient.email and n.recipient.is_active and n.recipient.notification_delivery == NotificationDelivery.AT_ONCE
    ]
    now = timezone.now()
    failed: list[int] = []
    with get_connection() as connection:
        for notification in wanted:
            if not _claim([notification.pk], now):
                continue  # another worker sent it
            try:
                mail.send(notification.recipient, *render(notification), connection=connection)
            except (OSError, SMTPException) as error:
                logger.warning("Notification %s: the e-mail failed: %s", notification.pk, error)
                _give_back([notification.pk])
                failed.append(notification.pk)
    return failed


def catch_up(now: datetime.datetime | None = None) -> list[int]:
    """Send the notifications meant for at once whose task never ran or gave up (a worker
    down, a broker emptied): those still pending ``CATCH_UP_MINUTES`` after they were
    written; return the ids that failed. Run by Celery beat; the claim keeps each one single."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            email_state=EmailState.PENDING,
            recipient__notification_delivery=NotificationDelivery.AT_ONCE,
            created_at__lt=now - datetime.timedelta(minutes=CATCH_UP_MINUTES),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return send_at_once(ids) if ids else []


def send_digests(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send each user who chose the daily digest one e-mail with their notifications not
    e-mailed yet, once a day from ``IIZ_DIGEST_HOUR`` (a run after the hour sends the day's
    digest if none went out yet: a day without a worker is caught up by the next run);
    return (notifications sent, notifications failed)."""
    now = now or timezone.now()
    digest_from = mail.digest_time(now)
    if now < digest_from:
        return 0, 0
    pending = list(_pending().filter(recipient__notification_delivery=NotificationDelivery.DIGEST).order_by("created_at", "pk"))
    _not_wanted(pending)
    had_digest = set(
        Notification.objects.filter(
            recipient__in={n.recipient_id for n in pending}, email_state=EmailState.SENT, emailed_at__gte=digest_from
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        recipient = notification.recipient
        if recipient.email and recipient.is_active and recipient.pk not in had_digest:
            by_user[recipient.pk].append(notification)
    sent = failed = 0
    with get_connection() as connection:
        for items in by_user.values():
            won = _claim([n.pk for n in items], now)
            items = [n for n in items if n.pk in won]
            if not items:
                continue
            try:
                mail.send(
                    items[0].recipient, *render_digest(items[0].recipient, items, timezone.localdate(now)), connection=connection
                )
            except (OSError, SMTPException) as error:
                logger.warning("Notification digest of user %s failed: %s", items[0].recipient_id, error)
                _give_back([n.pk for n in items])
                failed += len(items)
            else:
                sent += len(items)
    return sent, failed
