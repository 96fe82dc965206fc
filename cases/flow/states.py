"""The states of a case along CII101 and the sets of them that the rules read.

The transitions between them are on the model (cases/models/case.py); this module has no
dependency, so that the policy (cases/flow/policy.py) and the models can both read it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ROUND_TABLE = "round_table", _("Round table")
    ASSESSMENT = "assessment", _("Assessment")
    NO_CASE_MANAGEMENT = "no_case_management", _("Ended: no case management needed")
    CM_DESIGNATED = "cm_designated", _("Case manager designated")
    PLAN_PREPARATION = "plan_preparation", _("Action plan in preparation")
    PLAN_VALIDATION = "plan_validation", _("Action plan submitted for validation")
    IMPLEMENTATION = "implementation", _("Implementation")
    NETWORK = "network", _("Back to the network")
    EXIT_REPORT = "exit_report", _("Exit report")
    AWAITING_CLOSURE = "awaiting_closure", _("Awaiting closure")
    CLOSED = "closed", _("Closed")


# States of the support itself, from the report to implementation and back to the network
# during it: the case can be interrupted from these, and the deadlines of the CII101 steps
# run in them.
IN_PROGRESS_STATES = [
    CaseState.REPORTED,
    CaseState.ROUND_TABLE,
    CaseState.ASSESSMENT,
    CaseState.CM_DESIGNATED,
    CaseState.PLAN_PREPARATION,
    CaseState.PLAN_VALIDATION,
    CaseState.IMPLEMENTATION,
    CaseState.NETWORK,
]
# Final states: the case is read-only.
FINAL_STATES = [CaseState.NO_CASE_MANAGEMENT, CaseState.CLOSED]
# Open cases: every state but the final ones (the support, the exit report, the closure).
OPEN_STATES = [state for state in CaseState if state not in FINAL_STATES]

# The CII101 step number of each state (process sheet CII101-D).
CII101_STEP = {
    CaseState.REPORTED: 1,
    CaseState.ROUND_TABLE: 2,
    CaseState.ASSESSMENT: 2,
    CaseState.NO_CASE_MANAGEMENT: 2,
    CaseState.CM_DESIGNATED: 3,
    CaseState.PLAN_PREPARATION: 4,
    CaseState.PLAN_VALIDATION: 5,
    CaseState.IMPLEMENTATION: 6,
    CaseState.NETWORK: 7,
    CaseState.EXIT_REPORT: 10,
    CaseState.AWAITING_CLOSURE: 11,
    CaseState.CLOSED: 11,
}
