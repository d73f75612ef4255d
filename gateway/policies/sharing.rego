# Ketenpoort sharing policy: who receives which fields of a signal, on which legal basis.
#
# Input (envelope-level attributes only, never free text):
#   {"signal": {"type", "source", "region", "version", "attributes": {...}},
#    "recipients": [{"org", "involved"}]}
# Output, data.ketenpoort.sharing.decisions: one decision per requested recipient:
#   {"level": "full"|"fields"|"dat"|"none", "fields": [dotted paths], "legal_basis", "purpose", "urgency"}
#
# Default deny: an unknown recipient, the sender itself, and a partner no rule grants anything get
# level "none" and no fields. What each partner gets of each signal type lives in one file per type
# (or per group: measure.rego, contact.rego, involvement.rego) as `grants[org]`; each of those
# gives exactly one value per partner, so the composition here can never conflict.
#
# The data beside the policies (ketenpoort/config/*.json, at data.ketenpoort.config) is maintained
# by the privacy officers: the partners with the legal basis each one provides data under and the
# purpose each one receives it for, the labels of legal bases and purposes, and the regional
# covenants' switches (covenant.rego).
package ketenpoort.sharing

import data.ketenpoort.config

deny := {
	"level": "none",
	"fields": [],
	"legal_basis": null,
	"purpose": null,
	"urgency": "none",
}

# METADATA
# title: Sharing decisions
# description: >-
#   What each requested recipient receives of the signal in input, on which legal basis, for
#   which purpose and how urgently. The gateway asks for it at ketenpoort/sharing/decisions
#   (gateway/decisions.py).
# entrypoint: true
decisions[org] := decide(org) if {
	some recipient in input.recipients
	org := recipient.org
}

# A known partner other than the sender gets what the rule for this signal type grants it;
# everyone else nothing, and so does a partner that rule grants nothing (grants[org] undefined).
decide(org) := grants[org] if {
	config.partners[org]
	org != input.signal.source
} else := deny

# Whether the chain involvement index says this recipient already works with the subject.
involved(org) if {
	some recipient in input.recipients
	recipient.org == org
	recipient.involved == true
}

# The legal basis is the one the sender provides its data under: the police share police data
# (Wpg), the prosecution service prosecution data (Wjsg), Veilig Thuis under the Wmo 2015, and so
# on. An unknown sender has none, so nothing it sends is granted to anyone.
legal_basis := config.partners[input.signal.source].provides_under

# `paths` of the signal body for `org`, on the sender's legal basis, for the purpose `org` has in
# the chain (what it needs the data for to act).
grant(org, paths, urgency) := {
	"level": "fields",
	"fields": paths,
	"legal_basis": legal_basis,
	"purpose": config.partners[org].receives_for,
	"urgency": urgency,
}

# `paths` for coordination only: knowing whom to call, not acting on case content.
coordination(paths) := {
	"level": "fields",
	"fields": paths,
	"legal_basis": legal_basis,
	"purpose": "chain-coordination",
	"urgency": "normal",
}

# dat-informatie: the gateway sends only which organisation is involved, since when, and whom to
# call. No content.
dat := {
	"level": "dat",
	"fields": [],
	"legal_basis": legal_basis,
	"purpose": "chain-coordination",
	"urgency": "normal",
}

# What a partner gets of a signal that gives it nothing to act on: the dat notice where that is
# allowed (covenant.rego), else nothing.
dat_or_deny(org) := dat if {
	dat_allowed(org)
} else := deny
