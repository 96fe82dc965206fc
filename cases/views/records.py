from django.http import Http404


def _placeholder(request, pk, **kwargs):  # placeholder, being written
    raise Http404


take_step = edit_meeting = first_meeting = edit_plan = new_review = new_poa = _placeholder
new_power_of_attorney = interrupt_case = edit_exit_report = close_case = new_journal_entry = _placeholder
