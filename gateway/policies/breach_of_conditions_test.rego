package ketenpoort.sharing_test

import data.ketenpoort.sharing

breach(severity, source) := from_sender(with_attributes(example.breach_of_conditions, {"severity": severity}), source)

test_a_breach_reaches_om_police_and_veiligthuis_at_once if {
	decisions := decisions_for(example.breach_of_conditions)
	every org in ["om", "police", "veiligthuis"] {
		decisions[org].level == "fields"
		decisions[org].urgency == "immediate"
		decisions[org].legal_basis == "reclassering-toezicht"
		receives(decisions[org], "measure")
		receives(decisions[org], "breach_time")
		receives(decisions[org], "contact")
	}
	decisions["3ro"] == sharing.deny # the sender
}

test_every_partner_learns_of_every_breach_whoever_detected_it if {
	every source in ["police", "om", "3ro", "veiligthuis"] {
		every severity in ["low", "medium", "high"] {
			decisions := decisions_for(breach(severity, source))
			decisions[source] == sharing.deny
			every org in {"om", "police", "3ro", "veiligthuis"} - {source} {
				decisions[org].level == "fields"
				decisions[org].urgency == "immediate"
			}
		}
	}
}

test_the_account_goes_to_the_prosecutor_always if {
	receives(decisions_for(breach("low", "3ro")).om, "description")
	receives(decisions_for(breach("high", "police")).om, "description")
}

test_the_account_goes_to_the_police_unless_the_breach_is_minor if {
	receives(decisions_for(breach("high", "3ro")).police, "description")
	receives(decisions_for(breach("medium", "3ro")).police, "description")
	low := decisions_for(breach("low", "3ro")).police
	low.level == "fields"
	not receives(low, "description")
	receives(low, "breach_time")
}

test_veiligthuis_and_probation_get_the_facts_not_the_account if {
	decisions := decisions_for(breach("high", "police"))
	not receives(decisions.veiligthuis, "description")
	receives(decisions.veiligthuis, "children")
	not receives(decisions["3ro"], "description")
	receives(decisions["3ro"], "severity")
	decisions["3ro"].purpose == "supervision"
	decisions["3ro"].legal_basis == "wpg-art-19"
}

test_victim_support_gets_at_most_the_dat_notice if {
	decisions_for(example.breach_of_conditions).slachtofferhulp == sharing.deny
	decisions_for(involving(example.breach_of_conditions, {"slachtofferhulp"})).slachtofferhulp.level == "dat"
}

# A breach the victim reports (to the police or to victim support) is a breach like one an ankle
# tag reports: the same partners, the same fields, at once. How it came to light lowers nothing.
test_a_victim_reported_breach_reaches_the_same_partners_as_an_ankle_tag_alert if {
	every source in ["police", "slachtofferhulp", "3ro"] {
		tag := decisions_for(from_sender(example.breach_of_conditions, source))
		reported := decisions_for(from_sender(
			with_attributes(example.breach_of_conditions, {"detected_by": "victim_report"}),
			source,
		))
		reported == tag
		every org in {"om", "police", "3ro", "veiligthuis"} - {source} {
			reported[org].level == "fields"
			reported[org].urgency == "immediate"
		}
	}
}

test_a_breach_victim_support_relays_rests_on_her_consent if {
	decisions := decisions_for(from_sender(example.breach_of_conditions, "slachtofferhulp"))
	decisions.police.legal_basis == "avg-consent-victim"
	decisions.slachtofferhulp == sharing.deny
}

test_a_breach_of_a_huisverbod_or_a_civil_ban_reaches_every_partner_at_once if {
	every kind in sharing.police_measures {
		every source in ["police", "om", "3ro", "veiligthuis"] {
			decisions := decisions_for(from_sender(with_attributes(example.breach_of_conditions, {"measure": kind}), source))
			every org in {"om", "police", "3ro", "veiligthuis"} - {source} {
				decisions[org].level == "fields"
				decisions[org].urgency == "immediate"
				receives(decisions[org], "measure")
			}
		}
	}
}
