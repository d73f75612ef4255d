# Release from custody (vrijlating): release after arrest, suspension of pre-trial detention, end
# of detention, leave.
#
# Partners have to phone the prosecution service to learn of a release (DOMAIN.md). The release
# reaches Veilig Thuis, the police (casusregisseur), probation and victim support before or at the
# release, with the conditions imposed and their end dates, so that the victim can be warned in
# time. Only those who decide on or carry out a release can report one: the prosecution service,
# the police (release after arrest) and probation (end of detention, leave).
package ketenpoort.sharing

import data.ketenpoort.config

# What kind of release, when, on which conditions until when, the latest known risk level, and
# whom to call.
release_facts := [
	"contact",
	"kind",
	"status",
	"release_time",
	"conditions",
	"known_risk_level",
]

# Victim support warns the victim: when, on which conditions, whom to call. The risk level is the
# police's and probation's judgement of the suspect, not needed to warn her.
release_facts_for_victim_support := [
	"contact",
	"kind",
	"status",
	"release_time",
	"conditions",
]

release_sender if input.signal.source in {"om", "police", "3ro"}

# A planned release must be known before it happens; a release at risk hoog must be acted on now.
default release_urgency := "normal"

release_urgency := "immediate" if input.signal.attributes.planned == true

release_urgency := "immediate" if input.signal.attributes.risk_level == "hoog"

grants[org] := release_from_custody(org) if {
	input.signal.type == "release_from_custody"
	some org, _ in config.partners
}

release_from_custody(org) := grant(org, with_persons(org, release_facts), release_urgency) if {
	# Veilig Thuis adjusts the safety plan, the police warn the victim and enforce the conditions,
	# probation supervises them, and the prosecution service (when it did not send it) keeps its
	# case current.
	release_sender
	org in {"veiligthuis", "police", "3ro", "om"}
} else := grant(org, with_persons(org, release_facts_for_victim_support), release_urgency) if {
	# Victim support, where the covenant includes it: the conditions protect the victim, and she
	# must know them. Paths cannot pick conditions by kind, so it gets the list whole.
	release_sender
	org == "slachtofferhulp"
	covenant.victim_support_release_notice == true
} else := grant(org, with_persons(org, release_facts), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved:
	# a parent out of custody, and on which conditions (a contact ban with the children), changes
	# the children's safety and what the Board advises the court.
	release_sender
	board_needs_it(org)
} else := dat_or_deny(org)
