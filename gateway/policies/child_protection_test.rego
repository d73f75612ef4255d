package ketenpoort.sharing_test

import data.ketenpoort.sharing

# --- the Board's own signal ------------------------------------------------------------------------

test_partners_working_with_the_child_learn_of_the_inquiry_and_whom_to_call if {
	on_the_child := {"veiligthuis", "police", "om", "3ro", "slachtofferhulp"}
	decisions := decisions_for(involving(example.child_protection, on_the_child))
	every org in ["veiligthuis", "police", "om"] {
		decisions[org].level == "fields"
		decisions[org].legal_basis == "bw-1-238-avg-6-1-e"
		decisions[org].urgency == "normal"
		receives(decisions[org], "kind")
		receives(decisions[org], "status")
		receives(decisions[org], "started_on")
		receives(decisions[org], "contact")
	}
	decisions.veiligthuis.purpose == "safety-assessment"
	receives(decisions.veiligthuis, "children.bsn")
	receives(decisions.police, "children.given_name")
	not receives(decisions.police, "children.bsn")
	not receives(decisions.om, "children.given_name")

	# probation and victim support: that the Board is involved, and whom to call
	decisions["3ro"].level == "dat"
	decisions.slachtofferhulp.level == "dat"
}

test_a_measure_reaches_them_with_which_measure_and_its_dates if {
	query := with_attributes(involving(example.child_protection, {"veiligthuis", "police"}), {
		"child_protection_kind": "measure",
		"child_protection_measure": "out_of_home_placement",
	})
	decisions := decisions_for(query)
	every org in ["veiligthuis", "police"] {
		receives(decisions[org], "measure")
		receives(decisions[org], "ends_on")
		receives(decisions[org], "ended_on")
	}
}

test_partners_not_working_with_the_child_get_at_most_the_dat_notice if {
	decisions := decisions_for(example.child_protection)
	every org in ["veiligthuis", "police", "om", "3ro", "slachtofferhulp"] {
		decisions[org] == sharing.deny
	}
	covenant := decisions_for(example.child_protection) with data.ketenpoort.config.covenants as covenant_all_on
	every org in ["veiligthuis", "police", "om", "3ro", "slachtofferhulp"] {
		covenant[org].level == "dat"
	}
}

test_only_the_board_itself_reports_its_inquiries if {
	decisions := decisions_for(involving(from_sender(example.child_protection, "veiligthuis"), {"police", "om"}))
	decisions.police.level == "dat"
	decisions.om.level == "dat"
}

# --- what the Board receives of the other partners' signals ----------------------------------------

board_on_the_case(query) := decisions_for(involving(query, {"rvdk"})).rvdk

test_the_board_on_the_case_receives_what_its_task_needs_where_children_are_involved if {
	every name in ["new_report", "risk_assessment", "safety_assessment", "release_from_custody"] {
		decision := board_on_the_case(example[name])
		decision.level == "fields"
		decision.purpose == "child-protection"
		decision.urgency == "normal"
		receives(decision, "contact")
		receives(decision, "children.bsn")
		receives(decision, "suspect.family_name")
		not receives(decision, "suspect.bsn")
		not receives(decision, "victim.address")
		not receives(decision, "children.address")
		not receives(decision, "description")
	}
	receives(board_on_the_case(example.risk_assessment), "risk_level")
	receives(board_on_the_case(example.safety_assessment), "safety_conditions")
	receives(board_on_the_case(example.release_from_custody), "conditions")
	receives(board_on_the_case(example.new_report), "incident_time")
	board_on_the_case(example.new_report).legal_basis == "wpg-art-19"
}

test_the_board_receives_measures_breaches_arrests_and_decisions_only_with_children if {
	names := [
		"measure_imposed", "measure_extended", "measure_ended",
		"breach_of_conditions", "arrest", "prosecution_decision",
	]
	every name in names {
		without := board_on_the_case(example[name])
		without.level == "dat"
		with_children := board_on_the_case(with_attributes(example[name], {"minors_involved": true}))
		with_children.level == "fields"
		with_children.urgency == "normal"
		receives(with_children, "contact")
		not receives(with_children, "description")
		not receives(with_children, "held_at")
	}
	receives(board_on_the_case(with_attributes(example.measure_imposed, {"minors_involved": true})), "conditions")
	receives(board_on_the_case(with_attributes(example.breach_of_conditions, {"minors_involved": true})), "breach_time")
	receives(board_on_the_case(with_attributes(example.arrest, {"minors_involved": true})), "arrested_at")
}

test_the_board_not_on_the_case_gets_nothing_beyond_the_dat_notice if {
	every name in object.keys(example) - {"child_protection"} {
		decisions_for(example[name]).rvdk == sharing.deny
	}
	every name in object.keys(example) - {"child_protection"} {
		decision := decisions_for(example[name]) with data.ketenpoort.config.covenants as covenant_all_on
		decision.rvdk.level in {"dat", "none"}
	}
}

test_without_children_the_board_on_the_case_gets_at_most_the_dat_notice if {
	every name in object.keys(example) - {"child_protection", "contact_assigned", "contact_changed"} {
		decision := board_on_the_case(with_attributes(example[name], {"minors_involved": false}))
		decision.level in {"dat", "none"}
	}
}
