package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

everyone := [
	{"org": "police", "involved": true},
	{"org": "veiligthuis", "involved": false},
	{"org": "om", "involved": false},
	{"org": "3ro", "involved": false},
	{"org": "slachtofferhulp", "involved": false},
	{"org": "unknown-org", "involved": false},
]

police_report := {
	"signal": {
		"type": "new_report",
		"source": "police",
		"version": "1.0",
		"attributes": {"minors_involved": true, "report_kind": "aangifte"},
	},
	"recipients": everyone,
}

veiligthuis_report := from_sender(example.new_report, "veiligthuis")

test_police_report_reaches_veiligthuis_without_the_account if {
	decision := sharing.decisions.veiligthuis with input as police_report
	decision.level == "fields"
	decision.legal_basis == "wpg-art-19"
	decision.purpose == "safety-assessment"
	decision.urgency == "normal"
	"victim" in decision.fields
	"children" in decision.fields
	"contact" in decision.fields
	not "description" in decision.fields
}

test_a_melding_reaches_veiligthuis_too if {
	decision := decisions_for(with_attributes(police_report, {"report_kind": "melding"})).veiligthuis
	decision.level == "fields"
}

test_sender_gets_nothing_back if {
	decision := sharing.decisions.police with input as police_report
	decision == sharing.deny
}

test_unknown_recipient_gets_nothing if {
	decision := sharing.decisions["unknown-org"] with input as police_report
	decision == sharing.deny
}

test_partner_without_a_grant_gets_nothing if {
	decision := sharing.decisions.om with input as police_report
	decision.level == "none"
	count(decision.fields) == 0
}

test_one_decision_per_requested_recipient if {
	decisions := sharing.decisions with input as police_report
	count(decisions) == count(everyone)
}

test_report_from_veiligthuis_is_not_granted_by_the_police_rule if {
	report := json.patch(police_report, [{"op": "replace", "path": "/signal/source", "value": "veiligthuis"}])
	decision := sharing.decisions.veiligthuis with input as report
	decision == sharing.deny
}

test_veiligthuis_report_reaches_the_police_without_its_account if {
	decision := decisions_for(veiligthuis_report).police
	decision.level == "fields"
	decision.legal_basis == "wmo-art-5-2-6"
	decision.purpose == "victim-protection"
	decision.urgency == "normal"
	receives(decision, "suspect.address")
	receives(decision, "victim")
	receives(decision, "incident_time")
	receives(decision, "children.birth_date")
	not receives(decision, "children.bsn")
	not receives(decision, "description")
}

test_veiligthuis_report_gives_others_nothing_by_default if {
	decisions := decisions_for(veiligthuis_report)
	decisions.om == sharing.deny
	decisions["3ro"] == sharing.deny
	decisions.slachtofferhulp == sharing.deny
}

test_a_prosecutor_or_probation_on_the_case_hears_of_a_new_report if {
	decisions := decisions_for(involving(police_report, {"om", "3ro"}))
	every org in ["om", "3ro"] {
		decisions[org].level == "fields"
		receives(decisions[org], "incident_time")
		receives(decisions[org], "stalking_indicators")
		receives(decisions[org], "contact")
		not receives(decisions[org], "description")
		not receives(decisions[org], "reporter_role")
	}
	not receives(decisions["3ro"], "victim.address")
	decisions.om.purpose == "prosecution"
	decisions["3ro"].purpose == "supervision"
}

test_victim_support_on_the_case_gets_the_dat_notice_only if {
	decisions := decisions_for(involving(police_report, {"slachtofferhulp"}))
	decisions.slachtofferhulp.level == "dat"
}

test_others_get_dat_where_the_covenant_allows if {
	decisions := decisions_for(police_report) with config.covenants as covenant_all_on
	decisions.om.level == "dat"
	decisions["3ro"].level == "dat"
	decisions.slachtofferhulp.level == "dat"
	decisions.veiligthuis.level == "fields"
}

test_a_report_from_another_sender_reaches_veiligthuis_and_police_as_dat_at_most if {
	decisions := decisions_for(from_sender(example.new_report, "om")) with config.covenants as covenant_all_on
	decisions.veiligthuis.level == "dat"
	decisions.police.level == "dat"
	off := decisions_for(from_sender(example.new_report, "3ro"))
	off.veiligthuis == sharing.deny
	off.police == sharing.deny
}
