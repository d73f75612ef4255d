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
	kinds(example.measure_extended) == {"measure_extension"}
}

test_other_signals_open_nothing if {
	every name in ["breach_of_conditions", "risk_assessment", "safety_assessment", "measure_ended"] {
		kinds(example[name]) == set()
	}
}

test_every_kind_names_its_source_owner_and_what_meets_it if {
	every kind, spec in config.obligations {
		spec.source != ""
		config.partners[spec.owner]
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
