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

# The measures the police register: the tijdelijk huisverbod and the civil bans.

police_measure_query(type, kind) := with_attributes(from_sender(example[type], "police"), {"measure": kind})

test_a_huisverbod_reaches_veiligthuis_at_once_and_the_prosecutor if {
	decisions := decisions_for(police_measure_query("measure_imposed", "temporary_restraining_order"))
	every org in ["veiligthuis", "om"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "wpg-art-19"
		receives(decisions[org], "kind")
		receives(decisions[org], "starts_on")
		receives(decisions[org], "ends_on")
		receives(decisions[org], "contact")
	}
	decisions.veiligthuis.urgency == "immediate"
	receives(decisions.veiligthuis, "children")
	decisions.om.urgency == "normal"
	decisions.police == sharing.deny # the sender
	decisions["3ro"] == sharing.deny # not supervising him: nothing to act on
	decisions.slachtofferhulp == sharing.deny
}

test_probation_supervising_him_learns_of_a_huisverbod if {
	query := involving(police_measure_query("measure_imposed", "temporary_restraining_order"), {"3ro"})
	decision := decisions_for(query)["3ro"]
	decision.level == "fields"
	receives(decision, "ends_on")
	decision.urgency == "normal"
}

test_every_police_measure_imposed_extended_or_ended_reaches_veiligthuis_and_the_prosecutor if {
	every type in ["measure_imposed", "measure_extended", "measure_ended"] {
		every kind in sharing.police_measures {
			decisions := decisions_for(police_measure_query(type, kind))
			decisions.veiligthuis.level == "fields"
			decisions.om.level == "fields"
			every path in sharing.measure_facts[type] {
				receives(decisions.veiligthuis, path)
			}
		}
	}
}

test_only_a_huisverbod_imposed_is_urgent if {
	decisions_for(police_measure_query("measure_imposed", "civil_contact_ban")).veiligthuis.urgency == "normal"
	decisions_for(police_measure_query("measure_extended", "temporary_restraining_order")).veiligthuis.urgency == "normal"
	decisions_for(police_measure_query("measure_ended", "temporary_restraining_order")).veiligthuis.urgency == "normal"
}

test_the_police_do_not_report_the_prosecution_services_measures if {
	every kind in ["behavioural_order", "contact_ban", "area_ban", "ankle_tag"] {
		decisions := decisions_for(police_measure_query("measure_imposed", kind))
		decisions.veiligthuis == sharing.deny
		decisions.om == sharing.deny
	}
}

test_the_prosecution_service_passing_on_a_huisverbod_is_shared_as_its_other_measures if {
	query := with_attributes(example.measure_imposed, {"measure": "temporary_restraining_order"})
	decisions := decisions_for(query)
	every org in ["police", "3ro", "veiligthuis"] {
		decisions[org].level == "fields"
	}
}
