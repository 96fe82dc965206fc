"""The IIZ accounting (issue 16 point 7): the secretariat bills the costs of assessments and
of measures financed through IIZ to the institutions by the shares the officer maintains.

- ``money.py``: amounts in CHF, rounded to 0.05 as Swiss invoices are (the one rounding);
- ``numbers.py``: invoice and credit-note numbers, unique per year and never reused;
- ``actions.py``: the only writers of the accounting tables (atomic, ``policy.require``,
  each change written to the accounting log);
- ``figures.py``: what the pages read (the shares in force, the billable costs, the open
  items, the totals), each in a fixed number of queries;
- ``exports.py``: the export for the canton's accounting (CSV and XLSX).

The invoice PDF with its QR-bill is rendered by cases/documents/rendering.py.
"""
