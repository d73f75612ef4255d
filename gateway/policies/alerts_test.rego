# Tests of the on-call alert rules (alerts.rego), on the example signals of fixtures_test.rego.
package ketenpoort.alerts_test

import data.ketenpoort.alerts
import data.ketenpoort.config
import data.ketenpoort.sharing_test as fixtures

example := fixtures.example

alerts_for(query) := decisions if {
	decisions := alerts.decisions with input as query
}

breach(severity, source) := fixtures.from_sender(
	fixtures.with_attributes(example.breach_of_conditions, {"severity": severity}),
	source,
)

release(risk_level, source) := fixtures.from_sender(
	fixtures.with_attributes(example.release_from_custody, {"risk_level": risk_level}),
	source,
)

risk(level, previous) := fixtures.with_attributes(
	example.risk_assessment,
	{"risk_level": level, "previous_risk_level": previous},
)

priorities(decisions) := {org: decision.priority | some org, decision in decisions}

test_no_alert_by_default if {
	every name in [
		"contact_assigned", "contact_changed", "involvement_closed", "involvement_opened",
		"measure_ended", "measure_extended", "measure_imposed", "new_report", "prosecution_decision",
		"protection_needs", "victim_informed",
	] {
		alerts_for(example[name]) == {}
	}
	alerts_for(fixtures.signal("unknown_type", "police", {"severity": "high"})) == {}
}

test_a_breach_alerts_police_om_veiligthuis_and_the_sending_probation_at_p1 if {
	decisions := alerts_for(example.breach_of_conditions)
	priorities(decisions) == {"police": "p1", "om": "p1", "veiligthuis": "p1", "3ro": "p1"}
	contains(decisions.police.reason, "overtreding van voorwaarden")
}

test_a_medium_breach_alerts_veiligthuis_at_p2 if {
	priorities(alerts_for(breach("medium", "3ro"))) == {"police": "p1", "om": "p1", "veiligthuis": "p2", "3ro": "p1"}
}

test_a_minor_breach_alerts_probation_and_veiligthuis_at_p2 if {
	priorities(alerts_for(breach("low", "police"))) == {"police": "p1", "om": "p1", "veiligthuis": "p2", "3ro": "p2"}
}

test_a_breach_of_unknown_or_no_severity_alerts_at_p1 if {
	priorities(alerts_for(breach("unheard-of", "om"))) == {"police": "p1", "om": "p1", "veiligthuis": "p1", "3ro": "p1"}
	no_severity := json.remove(example.breach_of_conditions, ["signal/attributes/severity"])
	priorities(alerts_for(no_severity)) == {"police": "p1", "om": "p1", "veiligthuis": "p1", "3ro": "p1"}
}

test_victim_support_is_never_alerted_of_a_breach if {
	every source in ["police", "om", "3ro", "veiligthuis"] {
		every severity in ["low", "medium", "high"] {
			not alerts_for(breach(severity, source)).slachtofferhulp
		}
	}
}

test_only_the_organisations_asked_about_and_the_sender_are_alerted if {
	query := object.union(example.breach_of_conditions, {"recipients": [{"org": "police", "involved": false}]})
	priorities(alerts_for(query)) == {"police": "p1", "3ro": "p1"}
}

test_a_sender_that_is_no_partner_alerts_nobody if {
	alerts_for(breach("high", "unknown-org")) == {}
}

test_an_arrest_alerts_the_prosecutor_at_p2_whatever_it_was_for if {
	decisions := alerts_for(example.arrest)
	priorities(decisions) == {"om": "p2"}
	contains(decisions.om.reason, "aanhouding")
	contains(decisions.om.reason, "9 hours")
	every grounds in [[true, false], [false, true], [true, true]] {
		attributes := {"breach_of_measure": grounds[0], "new_offence": grounds[1]}
		involved := fixtures.involving(fixtures.with_attributes(example.arrest, attributes), {"3ro"})
		priorities(alerts_for(involved)) == {"om": "p2"}
	}
}

test_an_arrest_reported_by_others_than_the_police_alerts_nobody if {
	every source in ["om", "3ro", "veiligthuis"] {
		alerts_for(fixtures.from_sender(example.arrest, source)) == {}
	}
}

test_a_release_at_hoog_alerts_police_and_veiligthuis_at_p1_and_probation_at_p2 if {
	decisions := alerts_for(example.release_from_custody)
	priorities(decisions) == {"police": "p1", "veiligthuis": "p1", "3ro": "p2"}
	contains(decisions.veiligthuis.reason, "vrijlating")
}

test_the_releasing_organisation_is_not_alerted if {
	priorities(alerts_for(release("hoog", "police"))) == {"veiligthuis": "p1", "3ro": "p2"}
	priorities(alerts_for(release("hoog", "3ro"))) == {"police": "p1", "veiligthuis": "p1"}
}

test_a_release_below_hoog_or_of_unknown_risk_alerts_nobody if {
	alerts_for(release("midden", "om")) == {}
	alerts_for(release("laag", "om")) == {}
	alerts_for(release(null, "om")) == {}
	alerts_for(json.remove(example.release_from_custody, ["signal/attributes/risk_level"])) == {}
}

test_a_release_the_sharing_policy_grants_nobody_alerts_nobody if {
	alerts_for(release("hoog", "veiligthuis")) == {}
}

test_a_risk_rising_to_hoog_alerts_veiligthuis_om_at_p1_and_probation_at_p2 if {
	decisions := alerts_for(example.risk_assessment)
	priorities(decisions) == {"veiligthuis": "p1", "om": "p1", "3ro": "p2"}
	contains(decisions.om.reason, "risicotaxatie")
	priorities(alerts_for(risk("hoog", "laag"))) == {"veiligthuis": "p1", "om": "p1", "3ro": "p2"}
}

test_a_first_score_of_hoog_alerts if {
	priorities(alerts_for(risk("hoog", null))) == {"veiligthuis": "p1", "om": "p1", "3ro": "p2"}
	first := json.remove(example.risk_assessment, ["signal/attributes/previous_risk_level"])
	priorities(alerts_for(first)) == {"veiligthuis": "p1", "om": "p1", "3ro": "p2"}
}

test_a_risk_that_stays_hoog_or_is_below_hoog_alerts_nobody if {
	alerts_for(risk("hoog", "hoog")) == {}
	alerts_for(risk("midden", "laag")) == {}
	alerts_for(risk("laag", null)) == {}
}

test_probation_scoring_hoog_alerts_the_police if {
	from_probation := fixtures.from_sender(example.risk_assessment, "3ro")
	priorities(alerts_for(from_probation)) == {"police": "p1", "veiligthuis": "p1", "om": "p1"}
}

test_acute_unsafety_alerts_the_police_at_p1 if {
	decisions := alerts_for(example.safety_assessment)
	priorities(decisions) == {"police": "p1"}
	contains(decisions.police.reason, "acute onveiligheid")
}

test_no_acute_unsafety_alerts_nobody if {
	alerts_for(fixtures.with_attributes(example.safety_assessment, {"acute_unsafety": false})) == {}
}

test_acute_unsafety_reported_by_others_than_veilig_thuis_alerts_nobody if {
	# The sharing policy passes only Veilig Thuis's own assessment on.
	alerts_for(fixtures.from_sender(example.safety_assessment, "police")) == {}
}

test_the_rules_data_decides_who_is_alerted if {
	rules := {"breach_of_conditions": {
		"reason": "test",
		"alert_sender": false,
		"priority": {"police": "p2", "slachtofferhulp": "p1", "unknown-org": "p1", "3ro": "p1"},
	}}
	decisions := alerts.decisions with input as example.breach_of_conditions
		with config.alerts as rules

	# Victim support gets nothing of a breach, the unknown organisation is no partner, and the
	# sender (3ro) is not alerted under this rule.
	decisions == {"police": {"priority": "p2", "reason": "test"}}
}

test_two_rules_for_one_organisation_give_the_higher_priority_and_both_reasons if {
	rules := {
		"breach_of_conditions": {"reason": "a", "alert_sender": false, "priority": {"police": "p2", "om": "p2"}},
		"acute_unsafety": {"reason": "b", "alert_sender": false, "priority": {"police": "p1"}},
	}
	decisions := alerts.decisions with input as breach("low", "3ro")
		with config.alerts as rules
		with alerts.triggered as {"breach_of_conditions", "acute_unsafety"}
	decisions == {"police": {"priority": "p1", "reason": "a; b"}, "om": {"priority": "p2", "reason": "a"}}
}

# A breach the victim reports, through the police or through victim support, alerts the same
# organisations at the same priorities as an ankle-tag alert of the same severity: how it came to
# light changes nothing (the Hümeyra case: probation never learnt of the contact ban she said he
# broke).
test_a_victim_reported_breach_alerts_like_an_ankle_tag_alert if {
	every severity in ["low", "medium", "high"] {
		tag := priorities(alerts_for(breach(severity, "3ro")))
		every source in ["police", "slachtofferhulp"] {
			reported := fixtures.from_sender(
				fixtures.with_attributes(
					example.breach_of_conditions,
					{"severity": severity, "detected_by": "victim_report"},
				),
				source,
			)
			priorities(alerts_for(reported)) == tag
		}
	}
}

test_an_arrest_outside_domestic_violence_alerts_nobody if {
	investigator := fixtures.with_attributes(example.involvement_opened, {"involvement_role": "investigator"})
	query := fixtures.involving(fixtures.from_sender(investigator, "police"), {"veiligthuis", "om", "3ro"})
	alerts_for(query) == {}
}

test_a_breach_of_a_huisverbod_alerts_the_police_and_veiligthuis if {
	attributes := {"measure": "temporary_restraining_order", "severity": "high"}
	query := fixtures.with_attributes(example.breach_of_conditions, attributes)
	decisions := alerts_for(query)
	decisions.police.priority == "p1"
	decisions.veiligthuis.priority == "p1"
}
