"""Documents of a case: PDF rendering (rendering.py, the only module that renders),
the secretariat's print queue (printqueue.py), the right-of-access export
(subject_access.py) and the checks of uploaded files (uploads.py)."""
