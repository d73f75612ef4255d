# Tests of the chain obligations (obligations.rego), on the example signals of fixtures_test.rego.
package ketenpoort.obligations_test

import data.ketenpoort.config
import data.ketenpoort.obligations
import data.ketenpoort.sharing_test as fixtures

example := fixtures.example

opened_by(query) := opened if {
	opened := obligations.opened with input as query
}

kinds(query) := {kind | some kind, _ in opened_by(query)}

test_a_police_report_opens_a_risk_screening_and_a_safety_assessment if {
	kinds(fixtures.from_sender(example.new_report, "police")) == {"risk_screening", "safety_assessment"}
	opened := opened_by(fixtures.from_sender(example.new_report, "police"))
	opened.risk_screening.owner == "police"
	opened.risk_screening.clock == {"hours": 24}
	opened.safety_assessment.owner == "veiligthuis"
	opened.safety_assessment.clock == {"working_days": 5}
	{"type": "risk_assessment", "from": "police"} in opened.risk_screening.met_by
}

test_a_report_from_another_partner_opens_only_the_safety_assessment if {
	kinds(fixtures.from_sender(example.new_report, "veiligthuis")) == {"safety_assessment"}
}

test_a_planned_release_opens_a_safety_check_before_it if {
	planned := fixtures.with_attributes(example.release_from_custody, {"planned": true})
	opened := opened_by(planned)
	opened.safety_check_before_release.clock == {"before_field": "release_time"}
	opened.safety_check_before_release.owner == "veiligthuis"
	done := fixtures.with_attributes(example.release_from_custody, {"planned": false})
	kinds(done) == set()
}

test_a_measure_opens_the_decision_on_its_extension if {
	opened := opened_by(example.measure_imposed)
	opened.measure_extension.owner == "om"
	opened.measure_extension.clock == {"before_field": "ends_on"}
	{"type": "measure_extended", "from": "om"} in opened.measure_extension.met_by
	{"type": "measure_ended", "from": "om"} in opened.measure_extension.met_by
	kinds(example.measure_extended) == {"measure_extension", "victim_warned_measure"}
}

test_a_breach_opens_a_re_screening_by_the_police if {
	opened := opened_by(example.breach_of_conditions)
	object.keys(opened) == {"re_screening"}
	opened.re_screening.owner == "police"
	{"type": "risk_assessment", "from": "police"} in opened.re_screening.met_by
}

arrest := fixtures.signal("arrest", "police", {"minors_involved": false})

test_an_arrest_opens_the_prosecution_services_first_decision_within_9_hours if {
	opened := opened_by(arrest)
	opened.decision_after_arrest.owner == "om"
	opened.decision_after_arrest.clock == {"hours": 9, "from_field": "arrested_at"}
	opened.decision_after_arrest.met_by == [{"type": "prosecution_decision", "from": "om"}]
	kinds(fixtures.from_sender(arrest, "om")) == set()
}

test_veilig_thuis_closing_opens_its_three_follow_ups if {
	opened := opened_by(example.involvement_closed)
	object.keys(opened) == {"follow_up_3_months", "follow_up_12_months", "follow_up_18_months"}
	every months in [3, 12, 18] {
		spec := opened[sprintf("follow_up_%d_months", [months])]
		spec.owner == "veiligthuis"
		spec.clock == {"months": months, "from_field": "until"}
		spec.met_by == [{"type": "safety_assessment", "from": "veiligthuis", "where": {"follow_up_months": months}}]
	}
}

test_no_follow_ups_when_the_person_moved_away_or_another_partner_closes if {
	kinds(fixtures.with_attributes(example.involvement_closed, {"close_reason": "moved_away"})) == set()
	kinds(fixtures.from_sender(example.involvement_closed, "3ro")) == set()
}

test_a_first_assessment_does_not_meet_a_follow_up_and_a_follow_up_not_a_first if {
	first := opened_by(fixtures.from_sender(example.new_report, "police")).safety_assessment
	first.met_by == [{"type": "safety_assessment", "from": "veiligthuis", "where": {"follow_up_months": null}}]
}

test_a_huisverbod_opens_its_extension_for_the_police_not_the_prosecution_service if {
	huisverbod := fixtures.from_sender(
		fixtures.with_attributes(example.measure_imposed, {"measure": "temporary_restraining_order"}),
		"police",
	)
	opened := opened_by(huisverbod)
	not opened.measure_extension
	opened.restraining_order_extension.owner == "police"
	opened.restraining_order_extension.clock == {"before_field": "ends_on"}
	{"type": "measure_extended", "from": "police"} in opened.restraining_order_extension.met_by
}

test_a_civil_ban_the_police_register_opens_no_extension_decision if {
	civil := fixtures.from_sender(
		fixtures.with_attributes(example.measure_imposed, {"measure": "civil_contact_ban"}),
		"police",
	)
	not opened_by(civil).measure_extension
	not opened_by(civil).restraining_order_extension
}

test_a_measures_extension_is_reminded_to_the_prosecution_service_and_the_police if {
	opened_by(example.measure_imposed).measure_extension.remind == ["om", "police"]
}

test_a_release_a_measure_and_a_decision_open_victim_warned if {
	release := opened_by(example.release_from_custody).victim_warned_release
	release.owner_agreed == "release"
	release.about_person == "victim"
	release.clock == {"before_field": "release_time"}
	release.met_by == [{"type": "victim_informed", "from": "$owner", "where": {"about": "release"}}]
	opened_by(example.measure_imposed).victim_warned_measure.owner_agreed == "measure"
	opened_by(example.measure_ended).victim_warned_measure.owner == "om"
	opened_by(example.prosecution_decision).victim_warned_decision.owner_agreed == "decision"
}

test_a_covenant_may_name_another_default_informer if {
	in_noord := json.patch(example.release_from_custody, [{"op": "add", "path": "/signal/region", "value": "noord"}])
	by_victim_support := json.patch(
		config.covenants,
		[{"op": "add", "path": "/noord", "value": {"obligations": {"victim_warned_release": {"owner": "slachtofferhulp"}}}}],
	)
	opened := obligations.opened with input as in_noord with config.covenants as by_victim_support
	opened.victim_warned_release.owner == "slachtofferhulp"
}

test_other_signals_open_nothing if {
	every name in ["safety_assessment", "involvement_opened"] {
		kinds(example[name]) == set()
	}
}

# An owner is a partner, or the item's owner for a kind opened per item (a conference's tasks).
owned(spec) if config.partners[spec.owner]

owned(spec) if {
	spec.owner == "$owner"
	spec.for_each.owner_field != ""
}

test_every_kind_names_its_source_owner_and_what_meets_it if {
	every kind, spec in config.obligations {
		spec.source != ""
		owned(spec)
		count(spec.met_by) > 0
		kind != ""
	}
}

in_oost_brabant := json.patch(
	fixtures.from_sender(example.new_report, "police"),
	[{"op": "add", "path": "/signal/region", "value": "oost-brabant"}],
)

faster_screening := json.patch(
	config.covenants,
	[{"op": "add", "path": "/oost-brabant/obligations", "value": {"risk_screening": {"clock": {"hours": 12}}}}],
)

test_a_covenant_may_override_a_clock if {
	opened := obligations.opened with input as in_oost_brabant with config.covenants as faster_screening
	opened.risk_screening.clock == {"hours": 12}
	opened.risk_screening.owner == "police"
	opened_by(in_oost_brabant).risk_screening.clock == {"hours": 24}
}

high_risk(previous) := fixtures.signal(
	"risk_assessment", "police",
	{"minors_involved": false, "risk_level": "hoog", "previous_risk_level": previous},
)

test_a_high_risk_case_comes_on_the_case_conference_within_a_week if {
	opened := opened_by(high_risk(null))
	opened.case_conference_high_risk.owner == "zvh"
	opened.case_conference_high_risk.clock == {"hours": 168}
	{"type": "case_conference", "from": "zvh", "where": {"status": "held"}} in opened.case_conference_high_risk.met_by
	"case_conference_high_risk" in kinds(high_risk("midden"))
}

test_a_score_that_stays_hoog_or_below_it_opens_no_conference if {
	not "case_conference_high_risk" in kinds(high_risk("hoog"))
	midden := fixtures.signal("risk_assessment", "police", {"minors_involved": false, "risk_level": "midden"})
	not "case_conference_high_risk" in kinds(midden)
}

conference(sender, owners) := fixtures.signal("case_conference", sender, {
	"minors_involved": false, "conference_status": "held", "participants": ["police"],
	"task_owners": owners, "open_tasks": count(owners) > 0,
})

test_the_conferences_plan_opens_a_task_per_owner if {
	opened := opened_by(conference("zvh", ["police", "3ro"]))
	task := opened.case_conference_task
	task.owner == "$owner"
	task.for_each.field == "tasks"
	task.clock == {"by_field": "due_on"}
	task.tell_on_lapse == ["$owner", "$sender"]
	kinds(conference("veiligthuis", ["police"])) == {"case_conference_task"}
}

test_a_plan_without_open_tasks_or_from_another_partner_opens_nothing if {
	kinds(conference("zvh", [])) == set()
	kinds(conference("police", ["police"])) == set()
}
