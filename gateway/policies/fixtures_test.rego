# Shared fixtures of the policy tests: the partners, the example signals of docs/examples (their
# attributes, as the gateway computes them), and covenants to switch things on and off.
package ketenpoort.sharing_test

import data.ketenpoort.sharing

partners := ["police", "veiligthuis", "om", "3ro", "slachtofferhulp", "rvdk", "zvh"]

# Every partner the gateway asks, plus an organisation that is no partner, the given ones involved.
recipients(involved) := [{"org": org, "involved": org in involved} |
	some org in array.concat(partners, ["unknown-org"])
]

# A signal as the gateway asks about it: from `source`, no region, nobody involved.
signal(type, source, attributes) := {
	"signal": {
		"type": type,
		"source": source,
		"region": null,
		"version": "1.0",
		"attributes": attributes,
	},
	"recipients": recipients(set()),
}

# The same signal with these recipients already involved with the subject.
involving(query, involved) := object.union(query, {"recipients": recipients(involved)})

# The same signal from a sender in this region.
in_region(query, region) := object.union(query, {"signal": {"region": region}})

# The same signal with other attributes (merged into the example's).
with_attributes(query, attributes) := object.union(query, {"signal": {"attributes": attributes}})

# The same signal from another sender.
from_sender(query, source) := object.union(query, {"signal": {"source": source}})

decisions_for(query) := decisions if {
	decisions := sharing.decisions with input as query
}

# The examples of docs/examples/<type>.json, with the attributes the gateway computes from them.
example := {
	"arrest": signal("arrest", "police", {
		"minors_involved": false,
		"breach_of_measure": true,
		"new_offence": false,
	}),
	"case_conference": signal("case_conference", "zvh", {
		"minors_involved": false,
		"conference_status": "held",
		"participants": ["3ro", "om", "police", "veiligthuis", "zvh"],
		"task_owners": ["3ro", "police", "veiligthuis"],
		"open_tasks": true,
	}),
	"child_protection": signal("child_protection", "rvdk", {
		"minors_involved": true,
		"child_protection_kind": "inquiry",
		"child_protection_measure": null,
		"child_protection_status": "started",
	}),
	"breach_of_conditions": signal("breach_of_conditions", "3ro", {
		"minors_involved": false,
		"measure": "behavioural_order",
		"severity": "high",
		"detected_by": "ankle_tag",
	}),
	"contact_assigned": signal("contact_assigned", "veiligthuis", {"minors_involved": true, "role": "case_holder"}),
	"contact_changed": signal("contact_changed", "police", {"minors_involved": false, "role": "case_director"}),
	"involvement_closed": signal("involvement_closed", "veiligthuis", {
		"minors_involved": true,
		"involvement_role": "case_holder",
		"close_reason": "completed",
	}),
	"involvement_opened": signal("involvement_opened", "3ro", {
		"minors_involved": false,
		"involvement_role": "supervisor",
	}),
	"measure_ended": signal("measure_ended", "om", {
		"minors_involved": false,
		"measure": "behavioural_order",
		"end_reason": "replaced",
	}),
	"measure_extended": signal("measure_extended", "om", {"minors_involved": false, "measure": "behavioural_order"}),
	"measure_imposed": signal("measure_imposed", "om", {"minors_involved": false, "measure": "behavioural_order"}),
	"new_report": signal("new_report", "police", {"minors_involved": true, "report_kind": "aangifte"}),
	"prosecution_decision": signal("prosecution_decision", "om", {"minors_involved": false, "decision": "summons"}),
	"victim_informing_agreed": signal("victim_informing_agreed", "om", {
		"minors_involved": false,
		"agreed_by": "prosecution",
		"informers": ["om", "police", "slachtofferhulp"],
	}),
	"protection_needs": signal("protection_needs", "slachtofferhulp", {
		"minors_involved": false,
		"consent_to_share": true,
		"consent_scope": ["om", "police", "veiligthuis"],
		"changed": true,
		"fears_for_safety": true,
	}),
	"release_from_custody": signal("release_from_custody", "om", {
		"minors_involved": true,
		"release_kind": "release_after_arrest",
		"planned": true,
		"has_conditions": true,
		"risk_level": "hoog",
	}),
	"risk_assessment": signal("risk_assessment", "police", {
		"minors_involved": true,
		"instrument": "sash",
		"risk_level": "hoog",
		"previous_risk_level": "midden",
		"risk_rising": true,
	}),
	"safety_assessment": signal("safety_assessment", "veiligthuis", {
		"minors_involved": true,
		"acute_unsafety": true,
		"structural_unsafety": true,
		"has_safety_conditions": true,
		"follow_up_months": null,
	}),
	"victim_informed": signal("victim_informed", "slachtofferhulp", {"minors_involved": false, "about": "release"}),
}

# Covenants for `with config.covenants as ...` (data.ketenpoort.config.covenants).
covenant_all_off := {"default": {
	"dat_to_uninvolved_partners": false,
	"victim_support_release_notice": false,
	"victim_support_arrest_notice": false,
	"victim_support_dismissal_notice": false,
}}

covenant_all_on := {"default": {
	"dat_to_uninvolved_partners": true,
	"victim_support_release_notice": true,
	"victim_support_arrest_notice": true,
	"victim_support_dismissal_notice": true,
}}

# Off by default, on in one region.
covenant_regional := {
	"default": covenant_all_off["default"],
	"zuid": {"dat_to_uninvolved_partners": true, "victim_support_dismissal_notice": true},
}

# Whether a decision grants exactly this path, or a parent of it.
receives(decision, path) if {
	decision.level == "fields"
	some granted in decision.fields
	granted == path
}

receives(decision, path) if {
	decision.level == "fields"
	some granted in decision.fields
	startswith(path, concat("", [granted, "."]))
}
