"""Meetings with a date, invitations and a calendar (seed 004: the secretariat organises the
assessments and invites the network and the person; the coordinators hold round tables and
yearly meetings with the region's contact persons).

- ``access.py``: who sees which scheduled meeting (``visible_meetings``, within the case
  scope) and who organises it (``organiser_decision``, from the policy's entries);
- ``actions.py``: the only writers (schedule, reschedule, cancel, mark as held, replies,
  the checklist, a user's calendar feed token), each atomic, asking the policy and writing
  the case's journal;
- ``invitations.py``: the iCalendar (.ics) of a meeting (METHOD:REQUEST, CANCEL; a stable
  UID, SEQUENCE raised on each change) built with ``icalendar``, the invitation e-mails in
  each participant's language (sent by cases/tasks.py once committed), the person's letter
  (rendered by cases/documents/rendering.py) and the private calendar feed.

What a meeting established for a case stays in its record (cases.models.Meeting), recorded
by the existing step (cases/views/steps.py: ``edit_meeting``).
"""
