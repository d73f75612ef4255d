# Prosecution decision (beslissing van het OM): hold or release, investigating-judge hearing,
# dismissal (sepot), summons, penalty order.
#
# Partners chase decisions (DOMAIN.md). Every decision reaches the police, Veilig Thuis and
# probation: each plans its own next step on it. Victim support hears of a release or a dismissal
# where the covenant allows. Only the prosecution service takes these decisions, so only its own
# are passed on.
package ketenpoort.sharing

import data.ketenpoort.config

# What was decided, when, the hearing if one is set, the conditions attached, and whom to call.
decision_facts := [
	"contact",
	"decision",
	"decision_time",
	"hearing_on",
	"conditions",
]

# For victim support: what was decided and on which conditions; the hearing date of a release or
# dismissal is not its concern.
decision_facts_for_victim_support := [
	"contact",
	"decision",
	"decision_time",
	"conditions",
]

# A release means the suspect is out: the victim must be warned now.
default decision_urgency := "normal"

decision_urgency := "immediate" if input.signal.attributes.decision == "release"

victim_support_hears_of_decision if {
	input.signal.attributes.decision == "release"
	covenant.victim_support_release_notice == true
}

victim_support_hears_of_decision if {
	input.signal.attributes.decision == "dismissal"
	covenant.victim_support_dismissal_notice == true
}

grants[org] := prosecution_decision(org) if {
	input.signal.type == "prosecution_decision"
	some org, _ in config.partners
}

prosecution_decision(org) := grant(org, with_persons(org, decision_facts), decision_urgency) if {
	# The police (custody, victim contact, enforcing conditions), Veilig Thuis (the family's
	# safety while the suspect is held or out) and probation (advice for the hearing, supervision
	# of conditions) each act on every kind of decision.
	input.signal.source == "om"
	org in {"police", "veiligthuis", "3ro"}
} else := grant(org, with_persons(org, decision_facts_for_victim_support), decision_urgency) if {
	input.signal.source == "om"
	org == "slachtofferhulp"
	victim_support_hears_of_decision
} else := grant(org, with_persons(org, decision_facts), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved:
	# whether the parent is held, released or prosecuted, and on which conditions, weighs in its
	# inquiry and its advice to the court.
	input.signal.source == "om"
	board_needs_it(org)
} else := dat_or_deny(org)
