"""On-call alerts: rules as policy (rules.py), and each alert's life as events (lifecycle.py)."""
