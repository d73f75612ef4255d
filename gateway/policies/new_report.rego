# New report (melding / aangifte) of stalking, from the police or Veilig Thuis.
#
# Reports made at several agencies must come together (DOMAIN.md): the police's report goes to
# Veilig Thuis and Veilig Thuis's to the police. A partner already working on the case hears of a
# new report on it; everyone else at most the dat notice.
package ketenpoort.sharing

import data.ketenpoort.config

# Veilig Thuis needs who is involved, what happened and whom to call to start its safety
# assessment (veiligheidsbeoordeling). The officer's free-text account (`description`) stays with
# the police: it is not needed to act, and Veilig Thuis can call the contact person for details.
new_report_police_to_veiligthuis := [
	"kind",
	"reporter_role",
	"incident_time",
	"incident_place",
	"stalking_indicators",
	"suspect",
	"victim",
	"children",
	"contact",
]

# The police need who is involved, what happened where and whom to call to screen the risk (SASH,
# mandatory at every stalking report), appoint a casusregisseur and protect the victim. Veilig
# Thuis's free-text account stays with Veilig Thuis: it can hold what people told it in confidence,
# and the police call the contact for what they need.
new_report_veiligthuis_to_police := with_persons("police", [
	"contact",
	"kind",
	"reporter_role",
	"incident_time",
	"incident_place",
	"stalking_indicators",
])

# A prosecutor or probation officer already on the case (e.g. supervising suspension conditions)
# must hear of a new report about the same person: a new incident may be a breach, which in the
# Hümeyra case nobody connected. The facts and whom to call suffice; the account is withheld.
new_report_to_case_partner(org) := with_persons(org, [
	"contact",
	"kind",
	"incident_time",
	"incident_place",
	"stalking_indicators",
])

grants[org] := new_report(org) if {
	input.signal.type == "new_report"
	some org, _ in config.partners
}

new_report(org) := grant(org, new_report_police_to_veiligthuis, "normal") if {
	org == "veiligthuis"
	input.signal.source == "police"
} else := grant(org, new_report_veiligthuis_to_police, "normal") if {
	org == "police"
	input.signal.source == "veiligthuis"
} else := grant(org, new_report_to_case_partner(org), "normal") if {
	org in {"om", "3ro"}
	involved(org)
} else := grant(org, new_report_to_case_partner(org), "normal") if {
	# The Child Protection Board, already working with the family, where children are involved: a
	# new incident weighs in its inquiry or the measure (child_protection.rego).
	board_needs_it(org)
} else := dat_or_deny(org)

# Not granted, and why:
# - the prosecution service, not involved: it receives the aangifte through the police's own
#   proces-verbaal, and the police bring the case to its area secretary (route map, 000);
# - probation, not involved: there is nothing for it to supervise yet; the prosecutor asks its
#   advice when the case reaches ZSM;
# - victim support: the police refer the victim to it through their own referral with the victim's
#   say (opt-out), which the chain does not duplicate.
