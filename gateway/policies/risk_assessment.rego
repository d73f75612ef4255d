# Risk assessment (risicotaxatie): a SASH screening by the police, or a probation assessment (SRP,
# B-SAFER, RISc).
#
# The follow-up report found the SASH score reaching probation only "sometimes" and re-scores not
# passed on. So: hoog, and every rise, reaches the police, Veilig Thuis, the prosecution service and
# probation alike; hoog means act at once. Below hoog each partner gets it only where it has work
# to do with it (route map, 000).
package ketenpoort.sharing

import data.ketenpoort.config

# What the assessment says and whom to call. The two SASH alarm items go with it: they are what
# forces hoog, and the partners must act on them (a victim who fears for her life), not only on
# the level. The assessor is a professional, to ask about the score.
risk_assessment_facts := [
	"contact",
	"instrument",
	"risk_level",
	"previous_risk_level",
	"no_way_out_but_violence",
	"victim_fears_for_life",
	"assessed_on",
	"assessor",
]

# Probation weighs the children in the household in its own risk tools (children_ages).
risk_assessment_paths(org) := array.concat(with_persons(org, risk_assessment_facts), children_ages) if {
	org == "3ro"
} else := with_persons(org, risk_assessment_facts)

risk_is_high if input.signal.attributes.risk_level == "hoog"

risk_reaches_every_partner if risk_is_high

risk_reaches_every_partner if input.signal.attributes.risk_rising == true

safety_house_needs_it if risk_is_high

safety_house_needs_it if involved("zvh")

default risk_urgency := "normal"

risk_urgency := "immediate" if risk_is_high

grants[org] := risk_assessment(org) if {
	input.signal.type == "risk_assessment"
	some org, _ in config.partners
}

# hoog or rising: the four partners who act on the suspect and the victim.
risk_assessment(org) := grant(org, risk_assessment_paths(org), risk_urgency) if {
	risk_reaches_every_partner
	org in {"police", "veiligthuis", "om", "3ro"}
} else := grant(org, risk_assessment_paths(org), risk_urgency) if {
	# At every level Veilig Thuis gets the score for its safety assessment (the police make a
	# zorgmelding at every level), and the police keep the latest score of their case when
	# probation assessed it (the casusregisseur owns the case).
	org in {"police", "veiligthuis"}
} else := grant(org, risk_assessment_paths(org), risk_urgency) if {
	# midden: the police bring the case to the prosecution's area secretary, who decides whether a
	# district prosecutor takes it up. At laag that is the exception and no criminal intervention
	# follows in principle, so the prosecution service gets at most the dat notice (and the call).
	org == "om"
	input.signal.attributes.risk_level == "midden"
} else := grant(org, risk_assessment_paths(org), risk_urgency) if {
	# A prosecutor or probation officer already on the case works from the latest score.
	org in {"om", "3ro"}
	involved(org)
} else := grant(org, risk_assessment_paths(org), "normal") if {
	# The safety house: every high-risk case comes on the case conference, and a case that rises
	# to hoog comes back (seed 000), so a hoog score reaches it to put the case on the agenda. A
	# case it directs it follows at every score (its process director scales up and down). It
	# coordinates; the police act on the street: never urgent for it.
	org == "zvh"
	safety_house_needs_it
} else := grant(org, risk_assessment_paths(org), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved:
	# the danger the suspect poses weighs in its view of the children's safety. It acts through its
	# inquiry and the court, not on the street: never urgent for it.
	board_needs_it(org)
} else := dat_or_deny(org)

# Not granted: victim support. The score is about the suspect's danger; victim support relays the
# victim's protection needs to the police, who hold the score.
