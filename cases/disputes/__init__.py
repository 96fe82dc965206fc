"""Disputes between the institutions of a case (seed 004): ``actions.py`` (the only writers of
a dispute: each step atomic, asked of the policy, journaled on the case's timeline, the
officer told on escalation), ``forms.py`` (the forms of each step) and ``queries.py`` (what
the pages load: a dispute with its case, the steps a user may take now, the open disputes of
the cases a user sees). The table and its state machine: cases/models/disputes.py."""
