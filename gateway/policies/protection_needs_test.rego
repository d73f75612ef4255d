package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

needs(attributes) := with_attributes(example.protection_needs, attributes)

test_with_her_consent_the_police_and_the_prosecutor_get_her_needs if {
	decisions := decisions_for(example.protection_needs)
	every org in ["police", "om"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "avg-consent-victim"
		decisions[org].purpose == "victim-wishes"
		receives(decisions[org], "needs")
		receives(decisions[org], "previous_needs")
		receives(decisions[org], "changed")
		receives(decisions[org], "consent_scope")
		receives(decisions[org], "contact")
	}
}

test_without_her_consent_nothing_goes_not_even_the_dat_notice if {
	query := involving(needs({"consent_to_share": false, "consent_scope": []}), {"police", "om", "veiligthuis", "3ro"})
	decisions := decisions_for(query) with config.covenants as covenant_all_on
	every _, decision in decisions {
		decision == sharing.deny
	}
}

test_only_to_the_partners_she_named if {
	decisions := decisions_for(needs({"consent_scope": ["police"]}))
	decisions.police.level == "fields"
	decisions.om == sharing.deny
}

test_veiligthuis_only_where_it_handles_the_case if {
	decisions_for(example.protection_needs).veiligthuis == sharing.deny
	involved := decisions_for(involving(example.protection_needs, {"veiligthuis"})).veiligthuis
	involved.level == "fields"
	receives(involved, "needs")
	not receives(involved, "victim.address")
}

test_only_the_police_get_her_address if {
	decisions := decisions_for(involving(example.protection_needs, {"veiligthuis"}))
	receives(decisions.police, "victim.address")
	not receives(decisions.om, "victim.address")
	receives(decisions.om, "victim.given_name")
	not receives(decisions.veiligthuis, "victim.address")
}

test_never_probation_nor_back_to_victim_support if {
	decisions := decisions_for(involving(example.protection_needs, {"3ro", "slachtofferhulp"}))
	decisions["3ro"] == sharing.deny
	decisions.slachtofferhulp == sharing.deny
}

test_at_once_when_she_fears_for_her_safety if {
	decisions_for(example.protection_needs).police.urgency == "immediate"
	decisions_for(needs({"fears_for_safety": false})).police.urgency == "normal"
}

test_only_victim_support_relays_her_needs if {
	every _, decision in decisions_for(from_sender(example.protection_needs, "police")) {
		decision == sharing.deny
	}
}
