# Arrest (aanhouding): the suspect is held, for breaking a measure, for a new offence, or both.
#
# The prosecution service must decide within 9 hours of the arrest whether to hold him or release
# him (heenzenden; DOMAIN.md, "The clocks of the chain"). Whatever it decides, the partners
# protecting the victim have those same hours to prepare: Veilig Thuis's safety check comes before
# a release, probation advises the prosecutor on the suspect it supervises, and victim support
# relays what the victim wants and fears to the prosecutor before the decision. So every grant is
# immediate. Only the police arrest, so only their arrests are passed on; the arrest for breaking a
# measure also comes as a breach of conditions, with the officer's account (breach_of_conditions.rego).
# The arrest itself carries facts only: no free text.
package ketenpoort.sharing

import data.ketenpoort.config

# Since when he is held (the 9 hours run from it), what for, when and where it happened, where he
# is held, and whom to call.
arrest_facts := [
	"contact",
	"arrested_at",
	"measure",
	"offence",
	"incident_time",
	"incident_place",
	"held_at",
]

# Veilig Thuis plans the family's safety around his custody and possible release: that he is held,
# since when, what for, and whom to call. Where he is held is not its concern.
arrest_facts_for_veiligthuis := [
	"contact",
	"arrested_at",
	"measure",
	"offence",
	"incident_time",
	"incident_place",
]

# Victim support tells the victim he is held and takes her wishes to the prosecutor: since when,
# what for, whom to call. Where and when it happened she knows, and where he is held she need not.
arrest_facts_for_victim_support := [
	"contact",
	"arrested_at",
	"measure",
	"offence",
]

arrest_sender if input.signal.source == "police"

grants[org] := arrest(org) if {
	input.signal.type == "arrest"
	some org, _ in config.partners
}

arrest(org) := grant(org, with_persons(org, arrest_facts), "immediate") if {
	# The prosecutor decides on custody within 9 hours, and needs the arrest in full: the persons
	# as the prosecutor sees them, where he is held (to have him brought before it), and whom to call.
	arrest_sender
	org == "om"
} else := grant(org, with_persons(org, arrest_facts_for_veiligthuis), "immediate") if {
	# Veilig Thuis, always: a release may follow within hours, and its safety check comes first.
	arrest_sender
	org == "veiligthuis"
} else := grant(org, with_persons(org, arrest_facts), "immediate") if {
	# Probation, when it already works with him (supervision, an earlier advice): it advises the
	# prosecutor on custody and conditions, and visits him where he is held (vroeghulp). Not on the
	# case, it has nothing to act on yet: the prosecutor asks its advice when the case reaches ZSM.
	arrest_sender
	org == "3ro"
	involved(org)
} else := grant(org, with_persons(org, arrest_facts_for_victim_support), "immediate") if {
	# Victim support, where the covenant includes it: the victim must know he is held, and that a
	# release may follow within hours; her wishes reach the prosecutor before it decides.
	arrest_sender
	org == "slachtofferhulp"
	covenant.victim_support_arrest_notice == true
} else := dat_or_deny(org)
