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
	some source in ["3ro", "police", "om", "veiligthuis"]
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

variants contains from_sender(query, "unknown-sender") if {
	some query in example
}

# Each variant with nobody and with everybody involved.
situations contains involving(query, involved) if {
	some query in variants
	some involved in [set(), {"police", "veiligthuis", "om", "3ro", "slachtofferhulp", "unknown-org"}]
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

	# Of the children only Veilig Thuis gets more than names and birth dates.
	every path in ["children.bsn", "children.address"] {
		{org | some [_, org] in receivers(grants, path)} == {"veiligthuis"}
	}

	# Free text leaves only where a rule says why: the breach account, to the prosecutor and police.
	receivers(grants, "description") == {["breach_of_conditions", "om"], ["breach_of_conditions", "police"]}
}
