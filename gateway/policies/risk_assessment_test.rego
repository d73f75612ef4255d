package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

risk(level, previous, rising) := with_attributes(example.risk_assessment, {
	"risk_level": level,
	"previous_risk_level": previous,
	"risk_rising": rising,
})

test_hoog_reaches_om_veiligthuis_and_probation_at_once if {
	decisions := decisions_for(example.risk_assessment)
	every org in ["om", "veiligthuis", "3ro"] {
		decisions[org].level == "fields"
		decisions[org].urgency == "immediate"
		decisions[org].legal_basis == "wpg-art-19"
		receives(decisions[org], "risk_level")
		receives(decisions[org], "victim_fears_for_life")
		receives(decisions[org], "contact")
	}
	decisions.om.purpose == "prosecution"
	decisions.veiligthuis.purpose == "safety-assessment"
	decisions["3ro"].purpose == "supervision"
}

test_hoog_without_a_rise_is_still_immediate if {
	decisions := decisions_for(risk("hoog", null, false))
	decisions["3ro"].urgency == "immediate"
	decisions.om.urgency == "immediate"
}

test_probation_gets_the_childrens_ages_not_the_victims_address if {
	decision := decisions_for(example.risk_assessment)["3ro"]
	receives(decision, "children.birth_date")
	not receives(decision, "children.given_name")
	receives(decision, "victim.family_name")
	not receives(decision, "victim.address")
	receives(decision, "suspect.address")
}

test_veiligthuis_gets_the_family_system if {
	receives(decisions_for(example.risk_assessment).veiligthuis, "children")
}

test_a_rise_below_hoog_reaches_probation_too if {
	decisions := decisions_for(risk("midden", "laag", true))
	decisions["3ro"].level == "fields"
	decisions["3ro"].urgency == "normal"
	receives(decisions["3ro"], "previous_risk_level")
	decisions.om.level == "fields"
}

test_midden_reaches_veiligthuis_and_om if {
	decisions := decisions_for(risk("midden", null, false))
	decisions.veiligthuis.level == "fields"
	decisions.veiligthuis.urgency == "normal"
	decisions.om.level == "fields"
	decisions["3ro"] == sharing.deny
	decisions.slachtofferhulp == sharing.deny
}

test_laag_reaches_veiligthuis_only if {
	decisions := decisions_for(risk("laag", null, false))
	decisions.veiligthuis.level == "fields"
	decisions.om == sharing.deny
	decisions["3ro"] == sharing.deny
}

test_laag_gives_om_the_dat_notice_where_the_covenant_allows if {
	decisions := decisions_for(risk("laag", null, false)) with config.covenants as covenant_all_on
	decisions.om.level == "dat"
}

test_prosecutor_and_probation_on_the_case_get_every_score if {
	decisions := decisions_for(involving(risk("laag", null, false), {"om", "3ro"}))
	decisions.om.level == "fields"
	decisions["3ro"].level == "fields"
	decisions["3ro"].urgency == "normal"
}

test_a_probation_assessment_reaches_the_police if {
	query := from_sender(with_attributes(risk("midden", null, false), {"instrument": "srp"}), "3ro")
	decisions := decisions_for(query)
	decisions.police.level == "fields"
	decisions.police.legal_basis == "reclassering-toezicht"
	decisions.police.purpose == "victim-protection"
	decisions["3ro"] == sharing.deny
}

test_victim_support_never_gets_the_score if {
	decisions := decisions_for(involving(example.risk_assessment, {"slachtofferhulp"}))
	decisions.slachtofferhulp.level == "dat"
	decisions_for(example.risk_assessment).slachtofferhulp == sharing.deny
}
