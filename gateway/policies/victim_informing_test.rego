# Tests of who informs the victim (victim_informing.rego).
package ketenpoort.victim_informing_test

import data.ketenpoort.sharing
import data.ketenpoort.sharing_test as fixtures

agreement := fixtures.example.victim_informing_agreed

test_the_named_informer_gets_the_agreement_though_not_yet_on_the_case if {
	decisions := sharing.decisions with input as agreement
	decisions.slachtofferhulp.level == "fields"
	"agreements" in decisions.slachtofferhulp.fields
	"victim.family_name" in decisions.slachtofferhulp.fields
	not "victim.bsn" in decisions.slachtofferhulp.fields
}

test_partners_on_the_case_get_it_and_others_at_most_the_dat_notice if {
	on_case := sharing.decisions with input as fixtures.involving(agreement, {"police", "veiligthuis"})
	on_case.police.level == "fields"
	"agreements" in on_case.veiligthuis.fields
	off_case := sharing.decisions with input as agreement
	off_case.veiligthuis.level in {"dat", "none"}
	off_case["3ro"].level in {"dat", "none"}
}

test_an_agreement_from_a_partner_that_cannot_make_one_is_shared_with_nobody if {
	from_probation := fixtures.from_sender(agreement, "3ro")
	decisions := sharing.decisions with input as fixtures.involving(from_probation, {"police"})
	decisions.police.level in {"dat", "none"}
	decisions.slachtofferhulp.level in {"dat", "none"}
}
