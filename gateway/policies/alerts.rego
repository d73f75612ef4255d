# On-call alert rules: which signals raise an alert for which organisation's on-call staff, and at
# which priority.
#
# Some signals ask for action now, outside office hours too: a breach of conditions (in the Hümeyra
# case nobody knew), an arrest (the prosecutor's 9 hours), a release from custody at risk hoog, a
# risk assessment that rises to hoog, Veilig Thuis finding acute unsafety (DOMAIN.md). Which
# organisations are alerted by each rule, at which priority, and the line the duty officer reads
# live in ketenpoort/config/alerts.json, at data.ketenpoort.config.alerts; the rules here only say
# when each one applies.
#
# Input: the same as the sharing policy's (sharing.rego).
# Output, data.ketenpoort.alerts.decisions: per organisation to alert,
#   {"priority": "p1"|"p2", "reason": "<one line for the duty officer>"}
# Organisations not to alert are absent; by default nobody is alerted.
#
# The alert carries what the sharing policy grants that organisation of the signal. So a partner
# is alerted only when the sharing policy grants it fields of the signal: an alert without content
# helps nobody, and its mere existence would tell more than the partner may know. The sender is
# alerted too where the rule says so (alert_sender): probation's own supervisor must act on the
# ankle-tag alarm its monitoring centre raised.
package ketenpoort.alerts

import data.ketenpoort.config
import data.ketenpoort.sharing

attributes := object.get(input.signal, "attributes", {})

# The rules (names in alerts.json) this signal triggers.

# A breach of conditions: always.
triggered contains "breach_of_conditions" if input.signal.type == "breach_of_conditions"

# An arrest: always. The prosecution service's on-call prosecutor (piket) must decide within 9
# hours to hold or release him; p2, as the hours allow a quarter of an hour to acknowledge. An
# arrest for breaking a measure also alerts as a breach, at p1.
triggered contains "arrest" if input.signal.type == "arrest"

# A release from custody of a suspect whose last known risk level is hoog: the victim must be
# warned and protected before or at the release.
triggered contains "release_at_high_risk" if {
	input.signal.type == "release_from_custody"
	attributes.risk_level == "hoog"
}

# A risk assessment that rises to hoog (or is hoog at the first score): act at once. A re-score
# that stays hoog changes nothing the on-call staff must do now; the partners get it as usual.
triggered contains "risk_rises_to_high" if {
	input.signal.type == "risk_assessment"
	attributes.risk_level == "hoog"
	object.get(attributes, "previous_risk_level", null) != "hoog"
}

# Veilig Thuis's safety assessment finds acute unsafety: the police must stop it now.
triggered contains "acute_unsafety" if {
	input.signal.type == "safety_assessment"
	attributes.acute_unsafety == true
}

# The organisations the gateway asked about, and the sender.
asked contains recipient.org if some recipient in input.recipients

asked contains input.signal.source

# [org, priority, reason] for every organisation a triggered rule alerts.
raised contains [org, priority(spec), rule.reason] if {
	some name in triggered
	rule := config.alerts[name]
	some org, spec in rule.priority
	config.partners[org]
	alertable(org, rule)
}

# A priority is "p1" or "p2", or an object from the signal's severity to one; a severity it does
# not name (or none) gets p1: when in doubt, alert.
priority(spec) := spec if {
	is_string(spec)
} else := object.get(spec, object.get(attributes, "severity", ""), "p1")

# The sender, where the rule alerts it.
alertable(org, rule) if {
	org == input.signal.source
	rule.alert_sender == true
}

# A partner asked about, which the sharing policy grants content of the signal.
alertable(org, _) if {
	org in asked
	org != input.signal.source
	sharing.decide(org).level == "fields"
}

# METADATA
# title: On-call alerts
# description: >-
#   One alert per organisation whose on-call staff the signal in input alerts: the highest
#   priority any rule gives it, with every reason. The gateway asks for it at
#   ketenpoort/alerts/decisions (gateway/alerts/rules.py).
# entrypoint: true
decisions[org] := {"priority": sort(priorities)[0], "reason": concat("; ", reasons)} if {
	some [org, _, _] in raised
	priorities := {p | some [o, p, _] in raised; o == org}
	reasons := {r | some [o, _, r] in raised; o == org}
}
