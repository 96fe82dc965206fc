from django.conf import settings
from django.urls import path

from cases.views import (
    accounting,
    audit,
    bench,
    commission,
    conferences,
    corrections,
    dashboards,
    detail,
    disputes,
    documents,
    employers,
    export,
    files,
    inbox,
    intake,
    lists,
    lockouts,
    notifications,
    printing,
    retention,
    scheduling,
    steps,
)

app_name = "cases"

urlpatterns = [
    # lists.py, intake.py
    path("", lists.case_list, name="list"),
    path("new/", intake.intake, name="intake"),
    path("export.csv", lists.case_list_export, {"fmt": "csv"}, name="list_export"),
    path("export.xlsx", lists.case_list_export, {"fmt": "xlsx"}, name="list_export"),
    # dashboards.py: dashboards, steering view, activity report
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("statistics/", dashboards.statistics, name="statistics"),
    path("statistics/activity-report.csv", dashboards.activity_report, {"fmt": "csv"}, name="activity_report"),
    path("statistics/activity-report.xlsx", dashboards.activity_report, {"fmt": "xlsx"}, name="activity_report"),
    # inbox.py: the open deadlines of the current user
    path("tasks/", inbox.my_tasks, name="my_tasks"),
    # notifications.py: the bell's page
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read"),
    # accounting.py: the IIZ accounting (cost shares, costs, invoices, open items, export)
    path("accounting/shares/", accounting.cost_shares, name="cost_shares"),
    path("accounting/costs/", accounting.costs, name="costs"),
    path("accounting/invoices/", accounting.invoices, name="invoices"),
    path("accounting/invoices/<int:pk>/", accounting.invoice, name="invoice"),
    path("accounting/invoices/<int:pk>/pdf/", accounting.invoice_pdf, name="invoice_pdf"),
    path("accounting/invoices/<int:pk>/<slug:step>/", accounting.invoice_step, name="invoice_step"),
    path("accounting/open-items/", accounting.open_items, name="open_items"),
    path("accounting/export.csv", accounting.accounting_export, {"fmt": "csv"}, name="accounting_export"),
    path("accounting/export.xlsx", accounting.accounting_export, {"fmt": "xlsx"}, name="accounting_export"),
    # conferences.py: the conferences (Tagungen) and their registrations
    path("conferences/", conferences.conference_list, name="conferences"),
    path("conferences/<int:pk>/", conferences.conference, name="conference"),
    path("conferences/<int:pk>/<slug:what>/", conferences.conference_register, name="conference_register"),
    path("conferences/<int:pk>/participants.pdf", conferences.participants_pdf, name="participants_pdf"),
    # detail.py
    path("<int:pk>/", detail.case_detail, name="detail"),
    path("<int:pk>/plans/<int:version>/", detail.plan_version, name="plan_version"),
    path("<int:pk>/plans/diff/", detail.plan_diff, name="plan_diff"),
    path("<int:pk>/process/", detail.case_process, name="case_process"),
    path("process/", detail.process_diagram, name="process"),
    # steps.py: forms for the steps and records
    path("<int:pk>/step/<slug:name>/", steps.take_step, name="step"),
    path("<int:pk>/meetings/<int:meeting_pk>/", steps.edit_meeting, name="meeting"),
    path("<int:pk>/first-meeting/", steps.first_meeting, name="first_meeting"),
    path("<int:pk>/network/", steps.ask_network, name="ask_network"),
    path("<int:pk>/plan/", steps.edit_plan, name="edit_plan"),
    path("<int:pk>/plan/send-back/", steps.send_back_plan, name="send_back"),
    path("<int:pk>/resources/", steps.edit_resources, name="resources"),
    path("<int:pk>/reviews/new/", steps.new_review, name="new_review"),
    path("<int:pk>/powers-of-attorney/new/", steps.new_power_of_attorney, name="new_poa"),
    path("<int:pk>/interrupt/", steps.interrupt_case, name="interrupt"),
    path("<int:pk>/exit-report/", steps.edit_exit_report, name="exit_report"),
    path("<int:pk>/close/", steps.close_case, name="close"),
    path("<int:pk>/journal/new/", steps.new_journal_entry, name="new_journal_entry"),
    # scheduling.py: scheduled meetings, invitations, the calendar
    path("<int:pk>/schedule/", scheduling.schedule_meeting, name="schedule_meeting"),
    path("meetings/<int:meeting_pk>/", scheduling.meeting_page, name="scheduled_meeting"),
    path("meetings/<int:meeting_pk>/reschedule/", scheduling.reschedule_meeting, name="reschedule_meeting"),
    path("meetings/<int:meeting_pk>/cancel/", scheduling.cancel_meeting, name="cancel_meeting"),
    path("meetings/<int:meeting_pk>/held/", scheduling.meeting_held, name="meeting_held"),
    path("meetings/<int:meeting_pk>/replies/<int:participant_pk>/", scheduling.record_reply, name="meeting_reply"),
    path("meetings/<int:meeting_pk>/agenda/<int:item_pk>/check/", scheduling.tick_checklist, name="meeting_checklist"),
    path("meetings/<int:meeting_pk>/agenda/<int:item_pk>/letter.pdf", scheduling.person_letter, name="meeting_letter"),
    path("meetings/new-session/", scheduling.new_session, name="new_session"),
    path("meetings/new-yearly/", scheduling.new_yearly_meeting, name="new_yearly_meeting"),
    path("calendar/", scheduling.calendar, name="calendar"),
    path("calendar/address/", scheduling.new_calendar_token, name="calendar_token"),
    path("calendar/feed/<str:token>.ics", scheduling.calendar_feed, name="calendar_feed"),
    # corrections.py: the person, the facts, the case manager
    path("<int:pk>/person/", corrections.edit_person, name="edit_person"),
    path("<int:pk>/facts/", corrections.edit_case_facts, name="edit_case_facts"),
    path("<int:pk>/case-manager/", corrections.replace_case_manager, name="replace_case_manager"),
    # documents.py: PDFs of the case's documents, in the person's language
    path("<int:pk>/plans/<int:version>/pdf/", documents.plan_pdf, name="plan_pdf"),
    path("<int:pk>/exit-report/pdf/", documents.exit_report_pdf, name="exit_report_pdf"),
    path("<int:pk>/closure-letter/pdf/", documents.closure_letter_pdf, name="closure_letter_pdf"),
    path("<int:pk>/powers-of-attorney/form/pdf/", documents.poa_form_pdf, name="poa_form_pdf"),
    path("<int:pk>/reviews/<int:review_pk>/pdf/", documents.review_pdf, name="review_pdf"),
    # files.py: attachments and signed scans (downloads only through these views)
    path("<int:pk>/files/", files.case_files, name="files"),
    path("<int:pk>/files/new/", files.new_attachment, name="new_attachment"),
    path("<int:pk>/files/<int:file_pk>/", files.download, name="file"),
    path("<int:pk>/files/<int:file_pk>/withdraw/", files.withdraw, name="withdraw_file"),
    path("<int:pk>/plans/<int:version>/signed/", files.signed_plan, name="signed_plan"),
    path("<int:pk>/powers-of-attorney/signed/", files.signed_power_of_attorney, name="signed_poa"),
    path("<int:pk>/closure-letter/copy/", files.closure_copy, name="closure_copy"),
    # employers.py: the partners' employer contacts (search, and the picker of the plan form)
    path("employers/", employers.employer_list, name="employers"),
    # printing.py: the secretariat's print queue, the officer's letterhead
    path("print-queue/", printing.print_queue, name="print_queue"),
    path("letterhead/", printing.letterhead, name="letterhead"),
    # lockouts.py: the officer lifts login lock-outs
    path("locked-logins/", lockouts.locked_logins, name="locked_logins"),
    path("locked-logins/unlock/", lockouts.unlock_login, name="unlock_login"),
    # retention.py: the cases due for anonymisation, their holds
    path("retention/", retention.retention_list, name="retention"),
    path("<int:pk>/retention/hold/", retention.hold, name="retention_hold"),
    path("<int:pk>/retention/release/", retention.release, name="retention_release"),
    # commission.py: the legal commission's funding requests and sittings, the employment fund
    path("<int:pk>/funding/", commission.case_funding, name="case_funding"),
    path("<int:pk>/funding/new/", commission.new_funding_request, name="new_funding_request"),
    path("commission/", commission.commission, name="commission"),
    path("commission/sittings/new/", commission.new_sitting, name="new_sitting"),
    path("commission/sittings/<int:sitting_pk>/", commission.sitting, name="sitting"),
    path("commission/sittings/<int:sitting_pk>/held/", commission.sitting_held, name="sitting_held"),
    path("commission/sittings/<int:sitting_pk>/minutes-<str:language>.pdf", commission.sitting_minutes, name="sitting_minutes"),
    path("commission/requests/<int:request_pk>/", commission.funding_request, name="funding_request"),
    path("commission/requests/<int:request_pk>/send-back/", commission.send_back, name="funding_send_back"),
    path("commission/requests/<int:request_pk>/agenda/", commission.put_on_agenda, name="funding_agenda"),
    path("commission/requests/<int:request_pk>/decide/", commission.decide, name="funding_decide"),
    path("commission/requests/<int:request_pk>/resubmit/", commission.resubmit, name="funding_resubmit"),
    path("commission/requests/<int:request_pk>/files/<int:file_pk>/", commission.attachment, name="funding_attachment"),
    path("commission/fund/", commission.fund_page, name="fund"),
    path("commission/fund/budget/", commission.set_budget, name="fund_budget"),
    path("commission/fund/movements/", commission.record_movement, name="fund_movement"),
    path("commission/fund/export.csv", commission.fund_export, {"fmt": "csv"}, name="fund_export_csv"),
    path("commission/fund/export.xlsx", commission.fund_export, {"fmt": "xlsx"}, name="fund_export_xlsx"),
    # audit.py
    path("<int:pk>/access-log/", audit.access_log, name="access_log"),
    path("<int:pk>/history/", audit.history, name="history"),
    path("<int:pk>/grants/", audit.grant, name="grant"),
    path("<int:pk>/grants/<int:grant_id>/revoke/", audit.revoke_grant, name="revoke_grant"),
    # disputes.py: disputes between the institutions of a case (seed 004)
    path("disputes/", disputes.dispute_list, name="disputes"),
    path("<int:pk>/disputes/new/", disputes.new_dispute, name="new_dispute"),
    path("<int:pk>/disputes/<int:dispute_pk>/", disputes.dispute_detail, name="dispute"),
    path("<int:pk>/disputes/<int:dispute_pk>/<slug:step>/", disputes.dispute_step, name="dispute_step"),
    # export.py: right of access (one name, the format in the path)
    path("persons/<int:person_pk>/export.json/", export.person_export, {"fmt": "json"}, name="person_export"),
    path("persons/<int:person_pk>/export.pdf/", export.person_export, {"fmt": "pdf"}, name="person_export"),
]

# bench.py: the load benchmark's minimal page (bench/load.py), only when IIZ_BENCH_PAGES is on.
if settings.IIZ_BENCH_PAGES:
    urlpatterns.append(path("bench/minimal/", bench.minimal, name="bench_minimal"))
