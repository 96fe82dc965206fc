"""Demo data: the reference data every installation gets (reference.py), the demo users
and cases (data.py) built by walking the real actions (walk.py)."""
