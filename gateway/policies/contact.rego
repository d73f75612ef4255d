# Contact person assigned or changed (contactpersoon toegewezen / gewijzigd).
#
# Victims retell their story and partners do not know whom to call (DOMAIN.md). Every partner on
# the case learns who now holds which role; a partner not on the case gets at most the dat notice,
# which itself names whom to call.
package ketenpoort.sharing

import data.ketenpoort.config

# The role, the new contact and when to reach them (and whom they replace), with the names of
# suspect and victim to recognise the case. Nothing more: this is coordination, not case content.
contact_facts := {
	"contact_assigned": [
		"role",
		"contact",
		"availability",
	],
	"contact_changed": [
		"role",
		"contact",
		"availability",
		"previous_contact",
	],
}

grants[org] := contact(org) if {
	contact_facts[input.signal.type]
	some org, _ in config.partners
}

contact(org) := coordination(array.concat(contact_facts[input.signal.type], case_names)) if {
	involved(org)
} else := dat_or_deny(org)
