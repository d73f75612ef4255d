package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

safety(acute, conditions) := with_attributes(example.safety_assessment, {
	"acute_unsafety": acute,
	"has_safety_conditions": conditions,
})

test_acute_unsafety_reaches_police_om_and_probation_at_once if {
	decisions := decisions_for(example.safety_assessment)
	every org in ["police", "om", "3ro"] {
		decisions[org].level == "fields"
		decisions[org].urgency == "immediate"
		decisions[org].legal_basis == "wmo-art-5-2-6"
		receives(decisions[org], "safety_conditions")
		receives(decisions[org], "acute_unsafety")
		receives(decisions[org], "contact")
		receives(decisions[org], "follow_up_months")
		not receives(decisions[org], "monitoring_dates")
	}
	receives(decisions["3ro"], "children.birth_date")
	not receives(decisions["3ro"], "victim.address")
	decisions.slachtofferhulp == sharing.deny
}

test_structural_unsafety_only_is_normal if {
	decisions := decisions_for(safety(false, true))
	decisions.police.urgency == "normal"
	decisions.om.urgency == "normal"
}

test_probation_without_conditions_or_a_case_gets_nothing if {
	decisions := decisions_for(safety(false, false))
	decisions["3ro"] == sharing.deny
	decisions.police.level == "fields"
	decisions.om.level == "fields"
}

test_probation_on_the_case_gets_it_without_conditions if {
	decisions := decisions_for(involving(safety(false, false), {"3ro"}))
	decisions["3ro"].level == "fields"
}

test_only_veiligthuis_assessments_are_passed_on if {
	decisions := decisions_for(from_sender(example.safety_assessment, "police"))
	decisions.om == sharing.deny
	decisions["3ro"] == sharing.deny
	with_dat := decisions_for(from_sender(example.safety_assessment, "police")) with config.covenants as covenant_all_on
	with_dat.om.level == "dat"
}

test_a_follow_up_reaches_whom_the_first_assessment_reaches_saying_which_it_is if {
	every months in [3, 12, 18] {
		follow_up := with_attributes(example.safety_assessment, {"follow_up_months": months})
		decisions := decisions_for(follow_up)
		decisions == decisions_for(example.safety_assessment)
		every org in ["police", "om", "3ro"] {
			receives(decisions[org], "follow_up_months")
			receives(decisions[org], "assessed_on")
			not receives(decisions[org], "monitoring_dates")
		}
		decisions.slachtofferhulp == sharing.deny
	}
}

test_a_follow_up_without_conditions_reaches_probation_only_on_the_case if {
	follow_up := with_attributes(safety(false, false), {"follow_up_months": 12})
	decisions_for(follow_up)["3ro"] == sharing.deny
	decisions_for(involving(follow_up, {"3ro"}))["3ro"].level == "fields"
}
