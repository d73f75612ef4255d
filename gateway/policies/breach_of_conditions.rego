# Breach of conditions (overtreding van voorwaarden): a behavioural order, a ban, special or
# suspension conditions, or an ankle-tag alert.
#
# In the Hümeyra case probation did not know he had broken his contact ban. A breach reaches the
# prosecution service, the police, probation and Veilig Thuis at once, whoever detected it and
# however severe: every one of them learns of it, urgently. Severity only tunes who gets the
# sender's account. How it came to light (detected_by) changes nothing: a breach the victim reports,
# to the police or to victim support, goes where an ankle-tag alert goes, as urgently (DOMAIN.md:
# "breach of a condition reported by the victim, not only by an ankle tag or an arrest"). Victim
# support relays such a report on her consent, its legal basis (avg-consent-victim); its adapter
# sends it only when she gave it.
package ketenpoort.sharing

import data.ketenpoort.config

# What was breached, when, where, how it came to light, how serious it is, and whom to call.
breach_facts := [
	"contact",
	"measure",
	"breach_time",
	"place",
	"detected_by",
	"severity",
]

# The facts with the sender's free-text account of the breach.
breach_facts_with_account := array.concat(breach_facts, ["description"])

grants[org] := breach_of_conditions(org) if {
	input.signal.type == "breach_of_conditions"
	some org, _ in config.partners
}

breach_of_conditions(org) := grant(org, with_persons(org, breach_facts_with_account), "immediate") if {
	# The case prosecutor decides on the consequences (arrest, lifting a suspension, enforcing the
	# sentence) and must weigh what actually happened: it gets the account of every breach.
	org == "om"
} else := grant(org, with_persons(org, breach_facts_with_account), "immediate") if {
	# The police act now, on the street: they need to know what happened where. A low-severity
	# breach (a missed appointment) asks nothing of them now; the prosecutor decides, so the
	# account is withheld from them then.
	org == "police"
	input.signal.attributes.severity != "low"
} else := grant(org, with_persons(org, breach_facts), "immediate") if {
	# Veilig Thuis re-assesses the family's safety, probation confronts its supervisee, the police
	# learn of a low-severity breach: the facts and whom to call suffice; details by phone.
	org in {"police", "veiligthuis", "3ro"}
} else := grant(org, with_persons(org, breach_facts), "normal") if {
	# The safety house, directing the case: a new incident may send the case back to the case
	# conference and change its plan. The facts and whom to call; the police act now.
	org == "zvh"
	involved(org)
} else := grant(org, with_persons(org, breach_facts), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved:
	# that a condition protecting the family was broken, without the account. The police and
	# Veilig Thuis act now; the Board weighs it in its inquiry or the measure.
	board_needs_it(org)
} else := dat_or_deny(org)

# Not granted: victim support. The police warn the victim of a breach; victim support relays her
# changed protection needs to the police and the prosecutor (protection_needs.rego).
