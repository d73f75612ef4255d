"""The case timeline: per viewing organisation, everything about a person that it sent or received,
in time order, and the measures and conditions that apply to the person today (docs/timeline.md).

A read model, rebuilt from Kafka: the organisation's own signals (`signals.<org>`), what it
received (`inbox.<org>`, which holds exactly what the sharing policy granted it), its on-call
alerts (`alerts.oncall`) and the chain obligations it owns or was told of (`chain.obligations`).
It decides nothing about sharing: every field it shows is one the organisation sent or received.

    entries.py     what each record adds to whose timeline (pure)
    store.py       the SQLite file the entries are kept in, and the lookups
    feed.py        reading the topics into the store: built on first use, then kept current
    view.py        a person's timeline as JSON (pure)
    conditions.py  the measures in force today (pure)
    api.py         POST /timeline and /timeline/conditions
"""
