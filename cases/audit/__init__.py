"""The record of who did what: the change history (history.py) and the access log
(access.py)."""
