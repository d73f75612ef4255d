"""The gateway's side of on-call alerts: which organisations a signal alerts, asked of the policy
(rules.py), and the `raised` event for each (raising.py). The on-call service (oncall/) delivers,
escalates and records the rest."""
