package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

release(planned, level) := with_attributes(example.release_from_custody, {"planned": planned, "risk_level": level})

test_a_planned_release_reaches_vt_police_probation_and_victim_support_at_once if {
	decisions := decisions_for(example.release_from_custody)
	every org in ["veiligthuis", "police", "3ro", "slachtofferhulp"] {
		decisions[org].level == "fields"
		decisions[org].urgency == "immediate"
		decisions[org].legal_basis == "wjsg-art-39f"
		receives(decisions[org], "release_time")
		receives(decisions[org], "conditions.ends_on")
		receives(decisions[org], "contact")
	}
	decisions.slachtofferhulp.purpose == "victim-support"
	decisions.police.purpose == "victim-protection"
}

test_victim_support_gets_the_victim_and_only_the_suspects_name if {
	decision := decisions_for(example.release_from_custody).slachtofferhulp
	receives(decision, "victim.address")
	receives(decision, "suspect.family_name")
	not receives(decision, "suspect.bsn")
	not receives(decision, "suspect.birth_date")
	not receives(decision, "suspect.address")
	not receives(decision, "children")
	not receives(decision, "known_risk_level")
}

test_probation_gets_the_conditions_not_the_victims_address if {
	decision := decisions_for(example.release_from_custody)["3ro"]
	receives(decision, "conditions")
	receives(decision, "known_risk_level")
	not receives(decision, "victim.address")
	not receives(decision, "children")
}

test_a_done_release_at_risk_hoog_is_immediate if {
	decisions := decisions_for(release(false, "hoog"))
	decisions.police.urgency == "immediate"
}

test_a_done_release_below_hoog_is_normal if {
	decisions := decisions_for(release(false, "midden"))
	decisions.police.urgency == "normal"
	decisions.veiligthuis.level == "fields"
	decisions_for(release(false, null)).police.urgency == "normal"
}

test_victim_support_only_where_the_covenant_allows if {
	decisions := decisions_for(example.release_from_custody) with config.covenants as covenant_all_off
	decisions.slachtofferhulp == sharing.deny
	decisions.police.level == "fields"
}

test_a_release_reported_by_probation_reaches_the_prosecutor if {
	decisions := decisions_for(from_sender(example.release_from_custody, "3ro"))
	decisions.om.level == "fields"
	decisions.om.legal_basis == "reclassering-toezicht"
	decisions["3ro"] == sharing.deny
}

test_only_those_who_release_can_report_a_release if {
	decisions := decisions_for(from_sender(example.release_from_custody, "veiligthuis"))
	decisions.police == sharing.deny
	decisions.slachtofferhulp == sharing.deny
}
