"""The on-call service (`ketenpoort oncall serve`): reads the alerts the gateway raises on
`alerts.oncall`, delivers each to the person on call (webhook, e-mail, the console), escalates what
is not acknowledged in time, and records every change on the same topic. It depends only on the
kernel (gateway's shared modules and gateway.schemas), never on the gateway service or the adapters.
"""
