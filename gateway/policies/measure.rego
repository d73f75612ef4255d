# Measures (maatregelen): a behavioural order, ban, ankle tag or conditions imposed, extended or
# ended. The prosecution service imposes them, or passes on the court's. The police send the two
# kinds they register themselves (police_measures).
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

# The measures the police register and send (adapters/police/measures.py): the mayor's tijdelijk
# huisverbod, which the police issue by the mayor's mandate and enforce (003: "uitgereikt door de
# burgemeester of door de politie indien zij daartoe wordt gemandateerd"), and the contact or area
# ban a civil court ordered at the victim's request, which she brings to the police.
police_measures := {"temporary_restraining_order", "civil_contact_ban", "civil_area_ban"}

police_measure if {
	input.signal.source == "police"
	input.signal.attributes.measure in police_measures
}

# A huisverbod bars him from the home for 10 days, to let help start and keep escalation off: Veilig
# Thuis must start that help at once (police and Veilig Thuis go there together, 003). A civil ban,
# an extension or an end changes nothing that must happen today.
police_measure_urgency(org) := "immediate" if {
	input.signal.type == "measure_imposed"
	input.signal.attributes.measure == "temporary_restraining_order"
	org == "veiligthuis"
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
} else := grant(org, with_persons(org, measure_facts[input.signal.type]), police_measure_urgency(org)) if {
	# Veilig Thuis aligns its help and safety conditions with the huisverbod or the ban and checks
	# the family's safety when it ends; the prosecutor weighs it in deciding on the suspect (at
	# ZSM the police say whether a huisverbod was imposed, 003).
	police_measure
	org in {"veiligthuis", "om"}
} else := grant(org, with_persons(org, measure_facts[input.signal.type]), "normal") if {
	# Probation when it already supervises him: what he is barred from bears on his conditions.
	police_measure
	org == "3ro"
	involved(org)
} else := dat_or_deny(org)

# Not granted: victim support. The prosecution service informs the victim of the measures that
# protect her (a legal duty), and the police's fixed contact goes over them with her; a huisverbod
# is handed to those who stay in the home with it.
