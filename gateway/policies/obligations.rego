# Chain obligations: what must happen next after a signal, by whom, by when (docs/obligations.md).
#
# The chain's worst failures were steps nobody took: a report without a risk screening, a safety
# assessment late, a release without a fresh safety check, a measure's extension forgotten until it
# lapsed (DOMAIN.md, "The clocks of the chain"). Each kind of obligation, its owner, its clock, the
# reminder's lead time, what meets it and whom to tell when it lapses, with its source in the
# chain's agreements, is data in ketenpoort/config/obligations.json (data.ketenpoort.config.
# obligations); a regional covenant may override any of it (covenants.json, "obligations"). The
# rules here only say which signals open which obligation.
#
# Input: the same as the sharing policy's (sharing.rego): facts, never free text or dates. The
# gateway computes the due time from the clock and the signal (a clock "before_field" names the
# signal's date field the obligation is due before).
# Output, data.ketenpoort.obligations.opened: per kind of obligation the signal opens, its
# specification (owner, clock, remind_before_hours, met_by, tell_on_lapse, source).
package ketenpoort.obligations

import data.ketenpoort.config

attributes := object.get(input.signal, "attributes", {})

region := object.get(input.signal, "region", null)

measure_signals := {"measure_imposed", "measure_extended", "measure_ended"}

# A police report: a risk screening by the police, and Veilig Thuis's safety assessment.
triggered contains "risk_screening" if {
	input.signal.type == "new_report"
	input.signal.source == "police"
}

triggered contains "safety_assessment" if input.signal.type == "new_report"

# A planned release from custody: a fresh safety check before it.
triggered contains "safety_check_before_release" if {
	input.signal.type == "release_from_custody"
	attributes.planned == true
}

# A new incident: a breach of a measure or condition. The suspect's last screening predates it, so
# the police screen again (a report opens its own screening above).
triggered contains "re_screening" if input.signal.type == "breach_of_conditions"

# An arrest: the prosecution service's first decision, hold or release, within 9 hours of it.
triggered contains "decision_after_arrest" if {
	input.signal.type == "arrest"
	input.signal.source == "police"
}

# Veilig Thuis closes its involvement: its follow-ups (monitoring) at 3, 12 and 18 months, unless
# the person moved to another region, whose Veilig Thuis takes the case over.
triggered contains kind if {
	input.signal.type == "involvement_closed"
	input.signal.source == "veiligthuis"
	attributes.close_reason != "moved_away"
	some kind in {"follow_up_3_months", "follow_up_12_months", "follow_up_18_months"}
}

# The victim is warned: of a planned release before it, of a measure and of the prosecution
# service's decision. The gateway gives it to the partner agreed for the victim (victim_informing),
# else to the owner here, which a covenant may set.
triggered contains "victim_warned_release" if {
	input.signal.type == "release_from_custody"
	attributes.planned == true
}

triggered contains "victim_warned_measure" if input.signal.type in measure_signals

triggered contains "victim_warned_decision" if input.signal.type == "prosecution_decision"

# A measure imposed or extended: the decision on its extension before it ends (the gateway opens it
# only when the signal has an end date).
# (The prosecution service's own measures: a civil ban is the court's, at the victim's request.)
triggered contains "measure_extension" if {
	input.signal.type in {"measure_imposed", "measure_extended"}
	input.signal.source == "om"
}

# A huisverbod: the mayor decides on its extension before its 10 days end; the police, who register
# it and prepare the decision with Veilig Thuis, own the obligation.
triggered contains "restraining_order_extension" if {
	input.signal.type in {"measure_imposed", "measure_extended"}
	attributes.measure == "temporary_restraining_order"
}

# A high-risk case comes on the case conference, and a case that rises to hoog comes back to it
# (seed 000); a score that stays hoog opens nothing new.
triggered contains "case_conference_high_risk" if {
	input.signal.type == "risk_assessment"
	attributes.risk_level == "hoog"
	attributes.previous_risk_level != "hoog"
}

# The case conference's plan: each open task an obligation of the partner that owns it (the gateway
# opens one per task, and none for a task already open).
triggered contains "case_conference_task" if {
	input.signal.type == "case_conference"
	input.signal.source in {"zvh", "veiligthuis"}
	attributes.open_tasks == true
}

# The covenant of the sender's region may change a kind's specification.
covenant_override(kind) := config.covenants[region].obligations[kind]

spec(kind) := object.union(config.obligations[kind], covenant_override(kind))

spec(kind) := config.obligations[kind] if not covenant_override(kind)

# METADATA
# title: Obligations a signal opens
# description: Per kind of obligation the signal opens, its owner, clock, reminder and what meets it.
# entrypoint: true
opened[kind] := spec(kind) if {
	some kind in triggered
	config.obligations[kind]
}
