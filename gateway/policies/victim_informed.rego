# Victim informed (slachtoffer geïnformeerd): who told the victim of a release, a measure or a
# decision, when and how.
#
# Who tells her is agreed per case: the police, the prosecution service or victim support (003,
# Stap 7; 001 ch. 4). Each of the others must know she was told, by whom and when, so that she is
# told once and in time, and nobody assumes she knows when she does not. Only those three inform
# victims, so only their signals are passed on.
#
# The legal basis is her right to be informed (Wetboek van Strafvordering art. 51ac, with the
# prosecution service's duty to inform her): sharing that the duty was carried out is part of
# carrying it out, whoever of the three did. No content of what she was told, no free text: what
# about (and which signal, if known), when, how, by whom, and whose case, by name.
package ketenpoort.sharing

import data.ketenpoort.config

informed_facts := [
	"about",
	"about_signal",
	"informed_at",
	"channel",
	"informed_by",
]

informing_partners := {"police", "om", "slachtofferhulp"}

# A release is what she must know of before it happens: the others waiting to warn her must know
# at once that she has been.
default informed_urgency := "normal"

informed_urgency := "immediate" if input.signal.attributes.about == "release"

grants[org] := victim_informed(org) if {
	input.signal.type == "victim_informed"
	some org, _ in config.partners
}

victim_informed(org) := informed_grant if {
	# The other informing partners: the police, the prosecution service and victim support.
	input.signal.source in informing_partners
	org in informing_partners
} else := informed_grant if {
	# Veilig Thuis where it handles the case: its safety check before a release asks whether she
	# knows.
	input.signal.source in informing_partners
	org == "veiligthuis"
	involved(org)
} else := dat_or_deny(org)

informed_grant := {
	"level": "fields",
	"fields": array.concat(informed_facts, case_names),
	"legal_basis": "sv-art-51ac",
	"purpose": "victim-information",
	"urgency": informed_urgency,
}
