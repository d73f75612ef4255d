# Protection needs (beschermingsbehoeften): what the victim needs and wishes to be safe, and how
# that changed, as victim support registered it.
#
# "With Hümeyra it went wrong precisely on this point" (informing and protecting the victim): her
# wishes must reach those who protect her and decide about him, so that she need not retell them.
#
# The law (DOMAIN.md, "Privacy"): victim support is a private foundation without a statutory task
# to provide data to the police or the prosecution service. It passes on what the victim told it on
# her consent (AVG art. 6(1)(a), and 9(2)(a) where a need touches her health): avg-consent-victim,
# its legal basis in partners.json. So the needs go only where she agreed (consent_to_share, and
# the partners she named in consent_scope), and without her consent nothing goes: not even the
# dat notice, since the mere fact that victim support supports her is something she did not agree
# to share. A need the police or the prosecution service learnt themselves they register and share
# on their own basis; only victim support sends this signal.
#
# Within her consent:
# - the police protect her: a fixed contact, a stop talk with him, enforcing bans, responding at
#   her address; they get her whole, her (safe) address included, since they must find her;
# - the prosecution service weighs her wishes in custody, release and measures (contact or area
#   ban), and informs her as she asked (its legal duty); it gets her without her address: the case
#   file may reach the suspect's lawyer, and a safe address must never reach him;
# - Veilig Thuis, only where it handles the case (an open involvement in the index), adjusts the
#   family's safety plan; without her address for the same reason, and it knows the family.
# Not probation: its file the suspect may come to see; her wishes reach his conditions through
# the prosecution service. When she fears for her safety, they get it at once.
package ketenpoort.sharing

import data.ketenpoort.config

# Her needs now and before, when they were registered, the consent as she gave it, and her
# contact at victim support.
needs_facts := [
	"contact",
	"needs",
	"changed",
	"previous_needs",
	"recorded_at",
	"consent_to_share",
	"consent_scope",
]

# The victim without her address, and the suspect as victim support knows him.
victim_without_address := [
	"victim.bsn",
	"victim.given_name",
	"victim.family_name",
	"victim.birth_date",
	"suspect",
]

needs_persons := {
	"police": ["victim", "suspect"],
	"om": victim_without_address,
	"veiligthuis": victim_without_address,
}

default needs_urgency := "normal"

needs_urgency := "immediate" if input.signal.attributes.fears_for_safety == true

# The partner is one she agreed to, and victim support sent it.
consented(org) if {
	input.signal.source == "slachtofferhulp"
	input.signal.attributes.consent_to_share == true
	org in input.signal.attributes.consent_scope
}

grants[org] := protection_needs(org) if {
	input.signal.type == "protection_needs"
	some org, _ in config.partners
}

protection_needs(org) := needs_grant(org) if {
	consented(org)
	org in {"police", "om"}
} else := needs_grant(org) if {
	consented(org)
	org == "veiligthuis"
	involved(org)
} else := deny

needs_grant(org) := {
	"level": "fields",
	"fields": array.concat(needs_facts, needs_persons[org]),
	"legal_basis": legal_basis,
	"purpose": "victim-wishes",
	"urgency": needs_urgency,
}
