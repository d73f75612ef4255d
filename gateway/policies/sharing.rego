# Ketenpoort sharing policy: who receives which fields of a signal, on which legal basis.
#
# Input (envelope-level attributes only, never free text):
#   {"signal": {"type", "source", "version", "attributes": {...}},
#    "recipients": [{"org", "involved"}]}
# Output, data.ketenpoort.sharing.decisions: one decision per requested recipient:
#   {"level": "full"|"fields"|"dat"|"none", "fields": [dotted paths], "legal_basis", "purpose", "urgency"}
#
# Default deny: a recipient no rule grants anything gets level "none" and no fields.
# Grants live in one file per signal type (new_report.rego, ...) as `grants[org] := {...}`.
package ketenpoort.sharing

deny := {
	"level": "none",
	"fields": [],
	"legal_basis": null,
	"purpose": null,
	"urgency": "none",
}

decisions[org] := decision if {
	some recipient in input.recipients
	org := recipient.org
	decision := decide(org)
}

# A known partner other than the sender gets what a rule grants it; everyone else nothing.
decide(org) := grants[org] if {
	data.ketenpoort.partners[org]
	org != input.signal.source
}

decide(org) := deny if {
	not data.ketenpoort.partners[org]
}

decide(org) := deny if {
	org == input.signal.source
}

decide(org) := deny if {
	data.ketenpoort.partners[org]
	org != input.signal.source
	not grants[org]
}
