package ketenpoort.sharing_test

import data.ketenpoort.sharing

informed(about, source) := from_sender(with_attributes(example.victim_informed, {"about": about}), source)

test_the_other_informing_partners_learn_she_was_told if {
	decisions := decisions_for(example.victim_informed)
	every org in ["police", "om"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "sv-art-51ac"
		decisions[org].purpose == "victim-information"
		receives(decisions[org], "about")
		receives(decisions[org], "about_signal")
		receives(decisions[org], "informed_at")
		receives(decisions[org], "channel")
		receives(decisions[org], "informed_by")
		receives(decisions[org], "victim.family_name")
		not receives(decisions[org], "victim.address")
		not receives(decisions[org], "victim.bsn")
	}
	decisions.slachtofferhulp == sharing.deny # the sender
}

test_victim_support_learns_the_police_told_her if {
	decision := decisions_for(informed("measure", "police")).slachtofferhulp
	decision.level == "fields"
	receives(decision, "informed_by")
}

test_a_release_at_once_the_rest_normally if {
	decisions_for(informed("release", "om")).police.urgency == "immediate"
	decisions_for(informed("decision", "om")).police.urgency == "normal"
	decisions_for(informed("measure", "slachtofferhulp")).om.urgency == "normal"
}

test_veiligthuis_where_it_handles_the_case_probation_never if {
	decisions_for(example.victim_informed).veiligthuis == sharing.deny
	decisions := decisions_for(involving(example.victim_informed, {"veiligthuis", "3ro"}))
	decisions.veiligthuis.level == "fields"
	decisions["3ro"].level == "dat"
}

test_only_the_informing_partners_are_passed_on if {
	decisions := decisions_for(informed("release", "veiligthuis"))
	decisions.police == sharing.deny
	decisions.om == sharing.deny
}
