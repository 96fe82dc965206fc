"""Demo data: the reference data every installation gets (reference.py), the demo users
(users.py) and cases (data.py), the cases built by walking the real actions (walk.py)."""
