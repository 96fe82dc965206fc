"""Figures over many cases: the statistics (stats.py), their charts (charts.py) and
spreadsheet downloads (spreadsheets.py). They read; they never change a case."""
