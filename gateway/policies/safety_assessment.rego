# Safety assessment (veiligheidsbeoordeling) by Veilig Thuis, with its safety conditions.
#
# Veilig Thuis's view arrives late or not at all at ZSM (DOMAIN.md): the police, the prosecution
# service and probation must have it before they decide. It is Veilig Thuis's statutory product, so
# only Veilig Thuis's assessment is passed on; from another sender partners get the dat notice.
package ketenpoort.sharing

import data.ketenpoort.config

# The outcome and the conditions, and whom to call. Veilig Thuis's monitoring dates stay with
# Veilig Thuis: they plan its own follow-up, and no partner acts on them. Whether the assessment is
# a follow-up, and at how many months after Veilig Thuis closed its case (follow_up_months), is a
# fact about the assessment, not about the family: whoever receives the assessment learns it, so
# that a follow-up is not read as a new report's first assessment.
safety_assessment_facts := [
	"contact",
	"acute_unsafety",
	"structural_unsafety",
	"safety_conditions",
	"assessed_on",
	"follow_up_months",
]

default safety_urgency := "normal"

safety_urgency := "immediate" if input.signal.attributes.acute_unsafety == true

# Probation needs the assessment where it has something to supervise or advise on: safety
# conditions set for the suspect, or a running involvement. Paths cannot select conditions by whom
# they apply to, so it gets the list whole; Veilig Thuis writes conditions knowing that the ZSM
# partners read them. Like the risk assessment, it adds the children's ages (children_ages).
safety_for_probation if input.signal.attributes.has_safety_conditions == true

safety_for_probation if involved("3ro")

grants[org] := safety_assessment(org) if {
	input.signal.type == "safety_assessment"
	some org, _ in config.partners
}

safety_assessment(org) := grant(org, with_persons(org, safety_assessment_facts), safety_urgency) if {
	# The police protect the victim and enforce; the prosecutor decides with Veilig Thuis's view.
	input.signal.source == "veiligthuis"
	org in {"police", "om"}
} else := grant(org, array.concat(with_persons(org, safety_assessment_facts), children_ages), safety_urgency) if {
	input.signal.source == "veiligthuis"
	org == "3ro"
	safety_for_probation
} else := dat_or_deny(org)

# Not granted: victim support. Veilig Thuis works with the victim itself; the conditions that
# concern her are agreed with her directly.
