# Child protection (raadsonderzoek, kinderbeschermingsmaatregel): the Child Protection Board's
# inquiry into a child's situation, or a child protection measure, started or ended.
#
# The partners name dat-informatie as the key precondition for working together, and at ZSM they
# ask whether the Board has an inquiry or a measure running for a child in the case (DOMAIN.md).
# Every Board signal puts the Board in the involvement index for each child and parent it names,
# so a partner that is or becomes involved with the same child gets a match notice naming the
# Board and whom to call (matches.py). Beyond that notice, a partner already working with the
# child gets what it acts on: Veilig Thuis makes the safety agreements before and during the
# Board's inquiry (seed 003: "Voorafgaand aan en tijdens het onderzoek van de RvdK moeten er
# veiligheidsafspraken gemaakt worden"), the police respond at the address and must know where a
# child placed out of home lives and whom to call, and the prosecutor, who may also ask the court
# for a supervision order, weighs the measure in custody and conditions. Only the Board's own
# signals are passed on; the Board's findings are never in them.
package ketenpoort.sharing

import data.ketenpoort.config

# Inquiry or measure, which measure, started or ended, its dates, and whom to call at the Board.
child_protection_facts := [
	"contact",
	"kind",
	"measure",
	"status",
	"started_on",
	"ends_on",
	"ended_on",
]

grants[org] := child_protection(org) if {
	input.signal.type == "child_protection"
	some org, _ in config.partners
}

child_protection(org) := grant(org, with_persons(org, child_protection_facts), "normal") if {
	input.signal.source == "rvdk"
	org in {"veiligthuis", "police", "om"}
	involved(org)
} else := dat_or_deny(org)

# Not granted beyond the dat notice: probation and victim support. Probation supervises the
# suspect and victim support the adult victim; that the Board is involved with a child, and whom
# to call, suffices for both.

# What the Board receives of the other partners' signals. Its task is the children's safety
# (BW 1:238), not the case against the suspect: it gets a signal only when children are involved
# and the index shows it already working with the person the signal is about (through its own
# signals, which name the parents as it knows them). Then the facts it weighs in its inquiry or the
# measure, the persons as persons.rego lets it see them, never a free-text account, and never
# urgently: the police and Veilig Thuis protect the children now; the Board acts through its
# inquiry and the court. Without an involvement it learns at most the dat notice, and of a new
# case through Veilig Thuis, which asks it for an inquiry (Verzoek tot onderzoek).
board_needs_it(org) if {
	org == "rvdk"
	input.signal.attributes.minors_involved == true
	involved(org)
}
