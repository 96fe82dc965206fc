"""The legal commission (Rechtskommission / commission juridique) and the cantonal employment
fund (seed 004).

- ``actions.py``: the only writers of the funding requests, sittings, decisions, the fund's
  budget and its payments and refunds: each atomic, asking the policy (cases/flow/policy.py,
  section "the legal commission and the fund"), each step written to the case's journal
  (cases/audit/events.py) and told to whoever waits for it (cases/notifications).
- ``members.py``: what a member of the commission sees of a request (pseudonymised: the case's
  reference, the year of birth, the region, the plan's goals, the measure, the amount, the
  justification and the attachments; the name, AHV number, address or situation only when
  the request says why), and which requests they see at all.
- ``fund.py``: the fund's figures (budget, committed, paid, refunded, remaining) and their
  breakdown by region, theme and kind of request.
"""
