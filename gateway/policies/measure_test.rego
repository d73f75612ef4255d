package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

test_an_imposed_measure_reaches_police_probation_and_veiligthuis if {
	decisions := decisions_for(example.measure_imposed)
	every org in ["police", "3ro", "veiligthuis"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "wjsg-art-39f"
		receives(decisions[org], "kind")
		receives(decisions[org], "starts_on")
		receives(decisions[org], "ends_on")
		receives(decisions[org], "conditions")
		receives(decisions[org], "contact")
	}
	decisions.police.urgency == "immediate"
	decisions["3ro"].urgency == "immediate"
	decisions.veiligthuis.urgency == "normal"
	not receives(decisions["3ro"], "victim.address")
	receives(decisions.veiligthuis, "children")
	decisions.slachtofferhulp == sharing.deny
}

test_an_extension_carries_both_end_dates if {
	decisions := decisions_for(example.measure_extended)
	every org in ["police", "3ro", "veiligthuis"] {
		receives(decisions[org], "previous_ends_on")
		receives(decisions[org], "ends_on")
		decisions[org].urgency == "normal"
	}
}

test_an_ended_measure_says_when_and_why if {
	decisions := decisions_for(example.measure_ended)
	every org in ["police", "3ro", "veiligthuis"] {
		receives(decisions[org], "ended_on")
		receives(decisions[org], "reason")
		not receives(decisions[org], "conditions")
	}
}

test_only_the_prosecution_service_reports_measures if {
	decisions := decisions_for(from_sender(example.measure_imposed, "police"))
	decisions["3ro"] == sharing.deny
	decisions.veiligthuis == sharing.deny
	on := decisions_for(from_sender(example.measure_imposed, "3ro")) with config.covenants as covenant_all_on
	on.police.level == "dat"
}

test_victim_support_gets_at_most_the_dat_notice_of_a_measure if {
	decisions_for(involving(example.measure_ended, {"slachtofferhulp"})).slachtofferhulp.level == "dat"
}
