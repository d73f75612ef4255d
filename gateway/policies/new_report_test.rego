package ketenpoort.sharing_test

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

test_police_report_reaches_veiligthuis_without_the_account if {
	decision := sharing.decisions.veiligthuis with input as police_report
	decision.level == "fields"
	decision.legal_basis == "wpg-art-19"
	"victim" in decision.fields
	"contact" in decision.fields
	not "description" in decision.fields
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
