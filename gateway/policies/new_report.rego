# New report (melding / aangifte) of stalking.
package ketenpoort.sharing

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

grants["veiligthuis"] := {
	"level": "fields",
	"fields": new_report_police_to_veiligthuis,
	"legal_basis": "wpg-art-19",
	"purpose": "safety-assessment",
	"urgency": "normal",
} if {
	input.signal.type == "new_report"
	input.signal.source == "police"
}
