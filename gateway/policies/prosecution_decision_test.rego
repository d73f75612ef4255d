package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

decision(kind) := with_attributes(example.prosecution_decision, {"decision": kind})

test_every_decision_reaches_police_veiligthuis_and_probation if {
	every kind in ["hold_in_custody", "investigating_judge_hearing", "release", "dismissal", "summons", "penalty_order"] {
		decisions := decisions_for(decision(kind))
		every org in ["police", "veiligthuis", "3ro"] {
			decisions[org].level == "fields"
			decisions[org].legal_basis == "wjsg-art-39f"
			receives(decisions[org], "decision")
			receives(decisions[org], "conditions")
			receives(decisions[org], "contact")
		}
	}
}

test_a_summons_is_normal_and_victim_support_gets_nothing if {
	decisions := decisions_for(example.prosecution_decision)
	decisions.police.urgency == "normal"
	receives(decisions["3ro"], "hearing_on")
	decisions.slachtofferhulp == sharing.deny
}

test_a_release_is_immediate_and_reaches_victim_support if {
	decisions := decisions_for(decision("release"))
	decisions.police.urgency == "immediate"
	decisions.slachtofferhulp.level == "fields"
	decisions.slachtofferhulp.urgency == "immediate"
	receives(decisions.slachtofferhulp, "conditions")
	receives(decisions.slachtofferhulp, "victim")
	not receives(decisions.slachtofferhulp, "suspect.bsn")
	not receives(decisions.slachtofferhulp, "hearing_on")
}

test_a_release_without_the_covenant_switch_does_not_reach_victim_support if {
	decisions := decisions_for(decision("release")) with config.covenants as covenant_all_off
	decisions.slachtofferhulp == sharing.deny
}

test_a_dismissal_reaches_victim_support_only_where_the_covenant_allows if {
	decisions_for(decision("dismissal")).slachtofferhulp == sharing.deny
	on := decisions_for(decision("dismissal")) with config.covenants as covenant_all_on
	on.slachtofferhulp.level == "fields"
	on.slachtofferhulp.urgency == "normal"
	regional := decisions_for(in_region(decision("dismissal"), "zuid")) with config.covenants as covenant_regional
	regional.slachtofferhulp.level == "fields"
}

test_only_the_prosecution_services_decisions_are_passed_on if {
	decisions := decisions_for(from_sender(example.prosecution_decision, "police"))
	decisions.veiligthuis == sharing.deny
	decisions["3ro"] == sharing.deny
}
