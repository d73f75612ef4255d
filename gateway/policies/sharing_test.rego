# The composition: one decision per requested recipient, default deny, the sender and strangers
# get nothing, and an unknown sender's signal reaches nobody.
package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

test_one_decision_per_requested_recipient if {
	decisions := decisions_for(example.breach_of_conditions)
	count(decisions) == count(partners) + 1
}

test_only_the_requested_recipients_are_answered if {
	query := object.union(example.breach_of_conditions, {"recipients": [{"org": "om", "involved": false}]})
	decisions := decisions_for(query)
	object.keys(decisions) == {"om"}
}

test_no_recipients_no_decisions if {
	decisions := decisions_for(object.union(example.breach_of_conditions, {"recipients": []}))
	decisions == {}
}

test_a_recipient_asked_twice_gets_one_decision if {
	twice := [{"org": "om", "involved": false}, {"org": "om", "involved": true}]
	decisions := decisions_for(object.union(example.risk_assessment, {"recipients": twice}))
	count(decisions) == 1
	decisions.om.level == "fields"
}

test_the_sender_gets_nothing_back if {
	every _, query in example {
		sender := query.signal.source
		decision := decisions_for(involving(query, {sender}))[sender] with config.covenants as covenant_all_on
		decision == sharing.deny
	}
}

test_an_unknown_recipient_gets_nothing if {
	every _, query in example {
		decision := decisions_for(involving(query, {"unknown-org"}))["unknown-org"] with config.covenants as covenant_all_on
		decision == sharing.deny
	}
}

test_an_unknown_sender_reaches_nobody if {
	every _, query in example {
		from_gateway := from_sender(involving(query, {"police", "om"}), "gateway")
		decisions := decisions_for(from_gateway) with config.covenants as covenant_all_on
		every _, decision in decisions {
			decision == sharing.deny
		}
	}
}

test_an_unknown_signal_type_reaches_nobody if {
	decisions := decisions_for(signal("weather_report", "police", {})) with config.covenants as covenant_all_on
	count(decisions) == count(partners) + 1 # every partner asked is answered: with nothing
	every _, decision in decisions {
		decision == sharing.deny
	}
}

test_a_partner_without_a_grant_gets_nothing if {
	decisions_for(example.new_report).om == sharing.deny
}

test_involved_reads_the_recipient_list if {
	sharing.involved("om") with input as involving(example.new_report, {"om"})
	not sharing.involved("om") with input as example.new_report
	not sharing.involved("nobody") with input as example.new_report
}

test_the_legal_basis_is_the_senders if {
	sharing.legal_basis == "wpg-art-19" with input as example.new_report
	sharing.legal_basis == "wjsg-art-39f" with input as example.release_from_custody
	sharing.legal_basis == "wmo-art-5-2-6" with input as example.safety_assessment
	sharing.legal_basis == "reclassering-toezicht" with input as example.breach_of_conditions
	not sharing.legal_basis with input as from_sender(example.new_report, "gateway")
}

test_dat_is_a_notice_without_fields if {
	decision := sharing.dat with input as example.new_report
	decision.level == "dat"
	decision.fields == []
	decision.purpose == "chain-coordination"
	decision.legal_basis == "wpg-art-19"
}
