# The case conference (actieoverleg, the safety house's casusoverleg): a high-risk case on its
# agenda, the case discussed, and its plan of tasks, owners and dates.
#
# "Alle hoog risicozaken komen op het actieoverleg voor afstemming en het maken van een plan met
# taken en verantwoordelijkheden" (seed 000). The plan is agreed by the partners at the table, so
# each of them gets it whole: the tasks of the others are what it coordinates with. A partner that
# owns a task without having been at the table gets it too: it must act on it. The process
# director (procesregisseur) is whom to call. Everyone else learns at most that the safety house
# directs the case (the dat notice).
package ketenpoort.sharing

import data.ketenpoort.config

# The conference, its plan and whom to call. A task's description is written by the conference
# for the partners at the table.
case_conference_facts := [
	"conference_id",
	"status",
	"conference_on",
	"participants",
	"risk_level",
	"tasks",
	"contact",
]

# The senders of a case conference: the safety house, and Veilig Thuis where it chairs the
# actieoverleg (DOMAIN.md: "VT or safety house chairs").
conference_sender if input.signal.source in {"zvh", "veiligthuis"}

at_the_table(org) if org in object.get(input.signal.attributes, "participants", [])

at_the_table(org) if org in object.get(input.signal.attributes, "task_owners", [])

grants[org] := case_conference(org) if {
	input.signal.type == "case_conference"
	some org, _ in config.partners
}

case_conference(org) := grant(org, with_persons(org, case_conference_facts), "normal") if {
	conference_sender
	at_the_table(org)
} else := dat_or_deny(org)

# Not granted beyond the dat notice: partners not at the table and owning no task. Victim support
# is at the table where the conference invites it, and then gets the plan like the others.
