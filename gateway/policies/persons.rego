# Which parts of the persons in a signal (suspect, victim, children) each recipient gets when a
# rule grants it the persons at all. One table, so that a signal type's rule says what of the
# case a partner gets and this file says, once, how much of the people it may see.
package ketenpoort.sharing

persons := {
	# The police enforce bans, arrest and protect the victim at home: they need the suspect and
	# the victim whole (including addresses: an area ban is drawn around the victim's home). Of
	# the children only who they are and how old, to know who is at the address when they respond;
	# not their BSN or address.
	"police": [
		"suspect",
		"victim",
		"children.given_name",
		"children.family_name",
		"children.birth_date",
	],
	# Veilig Thuis assesses the safety of the whole family system, children included (DOMAIN.md):
	# it gets everyone whole.
	"veiligthuis": [
		"suspect",
		"victim",
		"children",
	],
	# The prosecutor decides on custody and measures and must inform the victim (a legal duty):
	# suspect and victim whole. Of the children only their ages, which weigh in custody and
	# measures; their identity is Veilig Thuis's and the Child Protection Board's concern.
	"om": [
		"suspect",
		"victim",
		"children.birth_date",
	],
	# Probation supervises the suspect: the suspect whole. Of the victim only enough to recognise
	# the person a contact ban protects: never the address or BSN, which must not reach the
	# suspect's supervision file. Children are added by the rules that need them (risk, safety).
	"3ro": [
		"suspect",
		"victim.given_name",
		"victim.family_name",
		"victim.birth_date",
	],
	# Victim support warns and supports the victim: the victim whole, and of the suspect only the
	# name, so that it can speak about him with the victim; never his full identity.
	"slachtofferhulp": [
		"victim",
		"suspect.given_name",
		"suspect.family_name",
	],
	# The safety house directs the case across the partners: it must find the people in each
	# partner's file and the municipality's (BRP), so it gets who they are, children included; not
	# their addresses, which the partners at the table hold and act on.
	"zvh": [
		"suspect.bsn",
		"suspect.given_name",
		"suspect.family_name",
		"suspect.birth_date",
		"victim.bsn",
		"victim.given_name",
		"victim.family_name",
		"victim.birth_date",
		"children.bsn",
		"children.given_name",
		"children.family_name",
		"children.birth_date",
	],
	# The Child Protection Board assesses the children's safety from the child's perspective: it
	# needs to know exactly which children (their BSN, to find its own file and the BRP), and to
	# recognise the parents in the violence; not their BSN or addresses, nor the children's address,
	# which the Board takes from the BRP itself.
	"rvdk": [
		"children.bsn",
		"children.given_name",
		"children.family_name",
		"children.birth_date",
		"suspect.given_name",
		"suspect.family_name",
		"suspect.birth_date",
		"victim.given_name",
		"victim.family_name",
		"victim.birth_date",
	],
}

# `paths` of the case plus the persons as `org` may see them.
with_persons(org, paths) := array.concat(paths, persons[org])

# Enough of the suspect and victim to recognise the case, for signals that carry no case content
# (contact changes): partners on the case already know these people.
case_names := [
	"suspect.given_name",
	"suspect.family_name",
	"victim.given_name",
	"victim.family_name",
]

# The children's ages only, for a partner that weighs them (probation's risk tools) without needing
# to know who they are.
children_ages := ["children.birth_date"]
