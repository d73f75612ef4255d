package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

test_an_assigned_contact_reaches_every_partner_on_the_case if {
	decisions := decisions_for(involving(example.contact_assigned, {"police", "om", "3ro", "slachtofferhulp", "rvdk"}))
	every org in ["police", "om", "3ro", "slachtofferhulp", "rvdk"] {
		decisions[org].level == "fields"
		decisions[org].purpose == "chain-coordination"
		decisions[org].legal_basis == "wmo-art-5-2-6"
		decisions[org].urgency == "normal"
		receives(decisions[org], "role")
		receives(decisions[org], "contact")
		receives(decisions[org], "availability")
		receives(decisions[org], "victim.family_name")
		not receives(decisions[org], "victim.address")
		not receives(decisions[org], "suspect.bsn")
		not receives(decisions[org], "children")
	}
}

test_a_changed_contact_names_the_previous_one if {
	decisions := decisions_for(involving(example.contact_changed, {"veiligthuis"}))
	receives(decisions.veiligthuis, "previous_contact")
	decisions.veiligthuis.legal_basis == "wpg-art-19"
}

test_partners_not_on_the_case_get_nothing_by_default if {
	decisions := decisions_for(example.contact_changed)
	decisions.veiligthuis == sharing.deny
	decisions.om == sharing.deny
}

test_partners_not_on_the_case_get_dat_where_the_covenant_allows if {
	decisions := decisions_for(involving(example.contact_changed, {"om"})) with config.covenants as covenant_all_on
	decisions.veiligthuis.level == "dat"
	decisions.om.level == "fields"
}

test_a_procesregisseur_or_slachtoffercoordinator_reaches_the_partners_on_the_case_as_any_contact if {
	every type in ["contact_assigned", "contact_changed"] {
		every role in ["process_director", "victim_coordinator"] {
			query := involving(with_attributes(example[type], {"role": role}), {"police", "om", "3ro", "veiligthuis"})
			decisions := decisions_for(query)
			every org in {"police", "om", "3ro", "veiligthuis"} - {example[type].signal.source} {
				decisions[org] == decisions_for(involving(example[type], {"police", "om", "3ro", "veiligthuis"}))[org]
				receives(decisions[org], "role")
				receives(decisions[org], "contact")
			}
			decisions_for(with_attributes(example[type], {"role": role})).om == sharing.deny
		}
	}
}
