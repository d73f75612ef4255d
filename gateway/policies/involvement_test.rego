package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

involvement_types := ["involvement_opened", "involvement_closed"]

test_involvement_is_dat_for_partners_on_the_case if {
	every type in involvement_types {
		everyone := {"police", "om", "veiligthuis", "3ro", "slachtofferhulp", "rvdk"}
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
