# Properties of every decision, over every signal type in many situations: attribute values,
# senders, involvement, covenants. A conflict (two rules giving one recipient different values)
# would make the evaluation fail and these tests with it.
package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

# The examples with their attributes varied, from their usual and other senders.
variants contains query if {
	some query in example
}

variants contains with_attributes(example.new_report, {"report_kind": kind}) if {
	some kind in ["melding", "aangifte"]
}

variants contains from_sender(example.new_report, source) if {
	some source in ["veiligthuis", "om", "3ro", "slachtofferhulp"]
}

variants contains from_sender(with_attributes(example.risk_assessment, attributes), source) if {
	some level in ["laag", "midden", "hoog"]
	some rising in [true, false]
	some source in ["police", "3ro"]
	attributes := {"risk_level": level, "risk_rising": rising}
}

variants contains from_sender(with_attributes(example.safety_assessment, attributes), source) if {
	some acute in [true, false]
	some conditions in [true, false]
	some follow_up in [null, 18]
	some source in ["veiligthuis", "police"]
	attributes := {"acute_unsafety": acute, "has_safety_conditions": conditions, "follow_up_months": follow_up}
}

variants contains from_sender(with_attributes(example.breach_of_conditions, {"severity": severity}), source) if {
	some severity in ["low", "medium", "high"]
	some source in ["3ro", "police", "om", "veiligthuis", "slachtofferhulp"]
}

variants contains from_sender(with_attributes(example.breach_of_conditions, {"detected_by": detected_by}), source) if {
	some detected_by in ["ankle_tag", "victim_report", "police_observation", "supervisor", "other"]
	some source in ["3ro", "police", "slachtofferhulp"]
}

variants contains from_sender(with_attributes(example.arrest, attributes), source) if {
	some breach in [true, false]
	some offence in [true, false]
	some source in ["police", "om", "3ro"]
	attributes := {"breach_of_measure": breach, "new_offence": offence}
}

variants contains from_sender(with_attributes(example.release_from_custody, attributes), source) if {
	some planned in [true, false]
	some level in ["laag", "midden", "hoog", null]
	some source in ["om", "police", "3ro", "veiligthuis"]
	attributes := {"planned": planned, "risk_level": level}
}

variants contains from_sender(with_attributes(example.prosecution_decision, {"decision": decision}), source) if {
	some decision in ["hold_in_custody", "investigating_judge_hearing", "release", "dismissal", "summons", "penalty_order"]
	some source in ["om", "police"]
}

variants contains from_sender(query, source) if {
	some query in [example.measure_imposed, example.measure_extended, example.measure_ended]
	some source in ["om", "police", "3ro"]
}

variants contains with_attributes(query, {"role": role}) if {
	some query in [example.contact_assigned, example.contact_changed]
	some role in ["case_director", "fixed_contact", "supervisor", "case_holder", "case_prosecutor"]
}

variants contains from_sender(with_attributes(example.protection_needs, attributes), source) if {
	some consent in [true, false]
	some scope in [[], ["police"], ["om", "police"], ["om", "police", "veiligthuis"]]
	some changed in [true, false]
	some fears in [true, false]
	some source in ["slachtofferhulp", "police"]
	attributes := {"consent_to_share": consent, "consent_scope": scope, "changed": changed, "fears_for_safety": fears}
}

variants contains from_sender(with_attributes(example.victim_informed, {"about": about}), source) if {
	some about in ["release", "measure", "decision"]
	some source in ["slachtofferhulp", "police", "om", "veiligthuis"]
}

variants contains from_sender(with_attributes(example.child_protection, attributes), source) if {
	some [kind, measure] in [["inquiry", null], ["measure", "supervision_order"], ["measure", "out_of_home_placement"]]
	some status in ["started", "ended"]
	some source in ["rvdk", "veiligthuis"]
	attributes := {"child_protection_kind": kind, "child_protection_measure": measure, "child_protection_status": status}
}

# Every example without children too: the Child Protection Board's grants hang on them.
variants contains with_attributes(query, {"minors_involved": false}) if {
	some query in example
}

variants contains from_sender(query, "unknown-sender") if {
	some query in example
}

# Each variant with nobody and with everybody involved.
situations contains involving(query, involved) if {
	some query in variants
	some involved in [set(), {"police", "veiligthuis", "om", "3ro", "slachtofferhulp", "rvdk", "unknown-org"}]
}

# Every situation with its decisions under a covenant. Evaluated once per test: each test below
# checks all it can on one pass, to stay well within `opa test`'s time limit per test.
decided(covenant) := [[query, decisions] |
	some query in situations
	decisions := decisions_for(query) with config.covenants as covenant
]

# A decision is well-formed, and every legal basis and purpose it names exists in the data.
well_formed(decision) if {
	decision == sharing.deny
}

well_formed(decision) if {
	decision.level == "dat"
	decision.fields == []
	config.legal_bases[decision.legal_basis]
	config.purposes[decision.purpose]
	decision.urgency == "normal"
}

well_formed(decision) if {
	decision.level == "fields"
	count(decision.fields) > 0
	count({path | some path in decision.fields}) == count(decision.fields)
	config.legal_bases[decision.legal_basis]
	config.purposes[decision.purpose]
	decision.urgency in {"immediate", "normal"}
}

# One decision per requested recipient, each well-formed (never "full": every grant names its
# fields), naming only legal bases and purposes that exist in the data.
all_well_formed(outcomes) if {
	every outcome in outcomes {
		[query, decisions] := outcome
		object.keys(decisions) == {recipient.org | some recipient in query.recipients}
		every _, decision in decisions {
			well_formed(decision)
		}
	}
}

# Every [signal type, recipient, granted path] in these outcomes.
granted(outcomes) := {[query.signal.type, org, path] |
	some outcome in outcomes
	[query, decisions] := outcome
	some org, decision in decisions
	decision.level == "fields"
	some path in decision.fields
}

# Who receives `path` (or a parent of it) of which signal type.
receivers(grants, path) := {[type, org] |
	some [type, org, granted_path] in grants
	prefix_of(granted_path, path)
}

prefix_of(granted_path, path) if granted_path == path

prefix_of(granted_path, path) if startswith(path, concat("", [granted_path, "."]))

test_the_situations_cover_every_signal_type if {
	{query.signal.type | some query in situations} == object.keys(example)
	count(situations) > 200
}

test_with_every_switch_off if {
	all_well_formed(decided(covenant_all_off))
}

test_with_the_shipped_covenants if {
	all_well_formed(decided(config.covenants))
}

test_with_every_switch_on if {
	all_well_formed(decided(covenant_all_on))
}

# With every switch on, most is shared: the limits must hold even then.
test_the_limits_hold_with_every_switch_on if {
	grants := granted(decided(covenant_all_on))

	# Victim support never learns the suspect's identity beyond his name, nor of the children.
	every path in ["suspect.bsn", "suspect.birth_date", "suspect.address", "children.given_name", "children.birth_date"] {
		every receiver in receivers(grants, path) {
			receiver[1] != "slachtofferhulp"
		}
	}

	# The victim's address and BSN never reach probation, whose file the suspect may come to see.
	every path in ["victim.address", "victim.bsn"] {
		every receiver in receivers(grants, path) {
			receiver[1] != "3ro"
		}
	}

	# Of the children only Veilig Thuis gets more than names and birth dates, and the Child
	# Protection Board and the safety house their BSN, to know exactly which children; their
	# address only Veilig Thuis.
	{org | some [_, org] in receivers(grants, "children.bsn")} == {"veiligthuis", "rvdk", "zvh"}
	{org | some [_, org] in receivers(grants, "children.address")} == {"veiligthuis"}

	# The Board never gets the parents' BSN or address: it recognises them, the BRP has the rest.
	every path in ["suspect.bsn", "suspect.address", "victim.bsn", "victim.address"] {
		every receiver in receivers(grants, path) {
			receiver[1] != "rvdk"
		}
	}

	# Free text leaves only where a rule says why: the breach account, to the prosecutor and police;
	# the case conference's plan, written for the partners at the table, only with that plan.
	receivers(grants, "description") == {["breach_of_conditions", "om"], ["breach_of_conditions", "police"]}
	{type | some [type, _] in receivers(grants, "tasks.description")} == {"case_conference"}

	# The safety house coordinates: never an address.
	every path in ["suspect.address", "victim.address", "children.address"] {
		every receiver in receivers(grants, path) {
			receiver[1] != "zvh"
		}
	}

	# The victim's protection needs reach only the police, the prosecution service and Veilig
	# Thuis, and her address of them only the police (it may be a safe address).
	{org | some [type, org] in receivers(grants, "needs"); type == "protection_needs"} == {"police", "om", "veiligthuis"}
	{org | some [type, org] in receivers(grants, "victim.address"); type == "protection_needs"} == {"police"}
}

# The outcomes of protection_needs among these.
needs_outcomes(outcomes) := [outcome | some outcome in outcomes; outcome[0].signal.type == "protection_needs"]

# Without the victim's consent, or from anyone but victim support, nothing of her protection needs
# leaves the gateway, not even the dat notice; with it, only to the partners she named. Even with
# every covenant switch on.
test_protection_needs_go_only_where_she_consented if {
	outcomes := needs_outcomes(decided(covenant_all_on))
	count(outcomes) > 50
	every outcome in outcomes {
		[query, decisions] := outcome
		every org, decision in decisions {
			within_consent(query, org, decision)
		}
	}
}

within_consent(_, _, decision) if decision == sharing.deny

within_consent(query, org, _) if {
	query.signal.source == "slachtofferhulp"
	query.signal.attributes.consent_to_share == true
	org in query.signal.attributes.consent_scope
}

# The Child Protection Board receives another partner's signal only where children are involved
# (contact changes aside: coordination on a case it works on, names only), and never urgently.
test_the_board_receives_only_where_children_are_involved if {
	outcomes := decided(covenant_all_on)
	every outcome in outcomes {
		[query, decisions] := outcome
		board_decision_allowed(query, object.get(decisions, "rvdk", sharing.deny))
	}
}

board_decision_allowed(_, decision) if decision.level in {"none", "dat"}

board_decision_allowed(query, decision) if {
	decision.level == "fields"
	decision.urgency == "normal"
	query.signal.type in {"contact_assigned", "contact_changed"}
}

board_decision_allowed(query, decision) if {
	decision.level == "fields"
	decision.urgency == "normal"
	query.signal.attributes.minors_involved == true
	decision.purpose == "child-protection"
}
