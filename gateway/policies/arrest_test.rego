package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

new_offence := with_attributes(example.arrest, {"breach_of_measure": false, "new_offence": true})

test_the_prosecutor_gets_the_arrest_in_full_at_once if {
	decision := decisions_for(example.arrest).om
	decision.level == "fields"
	decision.urgency == "immediate"
	decision.legal_basis == "wpg-art-19"
	decision.purpose == "prosecution"
	every path in ["arrested_at", "measure", "offence", "incident_time", "incident_place", "held_at", "contact"] {
		receives(decision, path)
	}
	receives(decision, "suspect.bsn")
	receives(decision, "victim.address")
	receives(decision, "children.birth_date")
	not receives(decision, "children.given_name")
}

test_veiligthuis_learns_of_every_arrest_at_once_but_not_where_he_is_held if {
	every query in [example.arrest, new_offence] {
		decision := decisions_for(query).veiligthuis
		decision.level == "fields"
		decision.urgency == "immediate"
		decision.purpose == "safety-assessment"
		receives(decision, "arrested_at")
		receives(decision, "offence")
		receives(decision, "children")
		not receives(decision, "held_at")
	}
}

test_probation_gets_the_arrest_only_when_on_the_case if {
	decisions_for(example.arrest)["3ro"] == sharing.deny
	decision := decisions_for(involving(example.arrest, {"3ro"}))["3ro"]
	decision.level == "fields"
	decision.urgency == "immediate"
	decision.purpose == "supervision"
	receives(decision, "held_at")
	receives(decision, "victim.family_name")
	not receives(decision, "victim.address")
	not receives(decision, "victim.bsn")
}

test_probation_not_on_the_case_gets_at_most_the_dat_notice if {
	decisions := decisions_for(example.arrest) with config.covenants as covenant_all_on
	decisions["3ro"].level == "dat"
}

test_victim_support_learns_he_is_held_and_of_him_only_his_name if {
	decision := decisions_for(example.arrest).slachtofferhulp
	decision.level == "fields"
	decision.urgency == "immediate"
	decision.purpose == "victim-support"
	receives(decision, "arrested_at")
	receives(decision, "contact")
	receives(decision, "victim")
	receives(decision, "suspect.family_name")
	every path in ["suspect.bsn", "suspect.birth_date", "suspect.address", "children", "held_at", "incident_place"] {
		not receives(decision, path)
	}
}

test_victim_support_only_where_the_covenant_allows if {
	decisions := decisions_for(example.arrest) with config.covenants as covenant_all_off
	decisions.slachtofferhulp == sharing.deny
	decisions.om.level == "fields"
}

test_the_arresting_police_get_nothing_back if {
	decisions_for(example.arrest).police == sharing.deny
}

test_only_the_police_can_report_an_arrest if {
	every source in ["om", "3ro", "veiligthuis", "slachtofferhulp"] {
		decisions := decisions_for(involving(from_sender(example.arrest, source), {"3ro"}))
		every org in {"om", "veiligthuis", "3ro", "slachtofferhulp", "police"} - {source} {
			decisions[org].level in {"dat", "none"}
		}
	}
}
