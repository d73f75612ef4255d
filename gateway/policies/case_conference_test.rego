package ketenpoort.sharing_test

import data.ketenpoort.sharing

# --- the case conference ----------------------------------------------------------------------------

test_the_partners_at_the_table_get_the_plan_and_whom_to_call if {
	decisions := decisions_for(example.case_conference)
	every org in ["police", "veiligthuis", "om", "3ro"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "avg-6-1-e-zvh-covenant"
		decisions[org].urgency == "normal"
		receives(decisions[org], "tasks")
		receives(decisions[org], "conference_on")
		receives(decisions[org], "contact")
	}
	receives(decisions.police, "victim.bsn")
	not receives(decisions["3ro"], "victim.bsn")
}

test_a_task_owner_not_at_the_table_gets_the_plan if {
	query := with_attributes(
		example.case_conference,
		{"participants": ["police", "zvh"], "task_owners": ["slachtofferhulp"]},
	)
	decisions := decisions_for(query)
	decisions.slachtofferhulp.level == "fields"
	receives(decisions.slachtofferhulp, "tasks")
	not receives(decisions.slachtofferhulp, "suspect.bsn")
	decisions.om == sharing.deny
}

test_partners_away_from_the_table_get_at_most_the_dat_notice if {
	decisions := decisions_for(example.case_conference)
	decisions.slachtofferhulp == sharing.deny
	decisions.rvdk == sharing.deny
	involved := decisions_for(involving(example.case_conference, {"slachtofferhulp", "rvdk"}))
	involved.slachtofferhulp.level == "dat"
	involved.rvdk.level == "dat"
}

test_a_conference_from_a_partner_that_holds_none_reaches_nobody_with_content if {
	decisions := decisions_for(from_sender(example.case_conference, "police"))
	every org in ["veiligthuis", "om", "3ro"] {
		decisions[org].level != "fields"
	}
	by_veilig_thuis := decisions_for(from_sender(example.case_conference, "veiligthuis"))
	by_veilig_thuis.police.level == "fields"
	by_veilig_thuis.police.legal_basis == "wmo-art-5-2-6"
}

# --- what the safety house receives -----------------------------------------------------------------

test_a_high_risk_score_reaches_the_safety_house_for_its_agenda if {
	decisions := decisions_for(example.risk_assessment)
	decisions.zvh.level == "fields"
	decisions.zvh.urgency == "normal"
	decisions.zvh.purpose == "process-direction"
	receives(decisions.zvh, "risk_level")
	receives(decisions.zvh, "suspect.bsn")
	not receives(decisions.zvh, "suspect.address")
}

test_a_lower_score_reaches_the_safety_house_only_in_a_case_it_directs if {
	midden := with_attributes(example.risk_assessment, {"risk_level": "midden", "risk_rising": false})
	decisions_for(midden).zvh == sharing.deny
	decisions_for(involving(midden, {"zvh"})).zvh.level == "fields"
}

test_a_breach_reaches_the_safety_house_only_in_a_case_it_directs if {
	decisions_for(example.breach_of_conditions).zvh == sharing.deny
	directs := decisions_for(involving(example.breach_of_conditions, {"zvh"}))
	directs.zvh.level == "fields"
	directs.zvh.urgency == "normal"
	not receives(directs.zvh, "description")
}
