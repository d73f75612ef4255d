# Measures (maatregelen): a behavioural order, ban, ankle tag or conditions imposed, extended or
# ended. The prosecution service imposes them, or passes on the court's.
#
# Extensions are forgotten and lapse, and bans are not findable in police systems (DOMAIN.md). Every
# imposition, extension and end reaches the police (who enforce), probation (who supervise) and
# Veilig Thuis (who align the safety conditions), with the kind, the dates and the conditions.
package ketenpoort.sharing

import data.ketenpoort.config

# Per signal type: which measure, its dates, its conditions, and whom to call.
measure_facts := {
	"measure_imposed": [
		"contact",
		"kind",
		"starts_on",
		"ends_on",
		"conditions",
	],
	"measure_extended": [
		"contact",
		"kind",
		"previous_ends_on",
		"ends_on",
		"conditions",
	],
	"measure_ended": [
		"contact",
		"kind",
		"ended_on",
		"reason",
	],
}

# A new measure protects the victim from its first day: the police must be able to enforce it and
# probation to supervise it (an ankle tag) at once. An extension or end is known ahead or changes
# nothing on the street today.
measure_urgency(org) := "immediate" if {
	input.signal.type == "measure_imposed"
	org in {"police", "3ro"}
} else := "normal"

grants[org] := measure(org) if {
	measure_facts[input.signal.type]
	some org, _ in config.partners
}

measure(org) := grant(org, with_persons(org, measure_facts[input.signal.type]), measure_urgency(org)) if {
	input.signal.source == "om"
	org in {"police", "3ro", "veiligthuis"}
} else := grant(org, with_persons(org, measure_facts[input.signal.type]), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved:
	# a ban and its conditions may keep a parent from the children, which its advice on contact
	# and on a measure must reckon with, and it must know when the ban ends.
	input.signal.source == "om"
	board_needs_it(org)
} else := dat_or_deny(org)

# Not granted: victim support. The prosecution service informs the victim of the measures that
# protect her (a legal duty), and the police's fixed contact goes over them with her.
