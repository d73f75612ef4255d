package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

involvement_types := ["involvement_opened", "involvement_closed"]

test_involvement_is_dat_for_partners_on_the_case if {
	every type in involvement_types {
		everyone := {"police", "om", "veiligthuis", "3ro", "slachtofferhulp", "rvdk", "zvh"}
		decisions := decisions_for(involving(example[type], everyone))
		every org, decision in object.remove(decisions, [example[type].signal.source, "unknown-org"]) {
			decision.level == "dat"
			decision.fields == []
			decision.purpose == "chain-coordination"
			decision.legal_basis == config.partners[example[type].signal.source].provides_under
			org in partners
		}
	}
}

test_involvement_reaches_no_one_else_by_default if {
	every type in involvement_types {
		every _, decision in decisions_for(example[type]) {
			decision == sharing.deny
		}
	}
}

test_involvement_reaches_everyone_as_dat_where_the_covenant_allows if {
	every type in involvement_types {
		decisions := decisions_for(in_region(example[type], "zuid")) with config.covenants as covenant_regional
		decisions.om.level == "dat"
		decisions["unknown-org"] == sharing.deny
		decisions[example[type].signal.source] == sharing.deny
	}
}

# An arrest outside domestic violence (a drugs arrest of someone Veilig Thuis knows) reaches the chain
# as the police's involvement_opened, role investigator (adapters/police/mapping.py): nobody gets any
# of its content, partners already working with him the dat notice, others nothing unless the
# covenant shares dat-informatie with every partner.
arrest_outside_domestic_violence := from_sender(
	with_attributes(example.involvement_opened, {"involvement_role": "investigator", "minors_involved": false}),
	"police",
)

test_nobody_gets_content_of_an_arrest_outside_domestic_violence if {
	every covenant in [covenant_all_off, covenant_all_on] {
		every involved in [set(), {"veiligthuis", "om", "3ro", "slachtofferhulp"}] {
			decisions := decisions_for(involving(arrest_outside_domestic_violence, involved)) with config.covenants as covenant
			every _, decision in decisions {
				decision.level in {"dat", "none"}
				decision.fields == []
			}
		}
	}
}

test_partners_working_with_him_learn_that_the_police_are_involved if {
	query := involving(arrest_outside_domestic_violence, {"veiligthuis"})
	decisions := decisions_for(query) with config.covenants as covenant_all_off
	decisions.veiligthuis.level == "dat"
	decisions.veiligthuis.legal_basis == "wpg-art-19"
	decisions.veiligthuis.purpose == "chain-coordination"
	every org in ["om", "3ro", "slachtofferhulp", "police"] {
		decisions[org] == sharing.deny
	}
}
