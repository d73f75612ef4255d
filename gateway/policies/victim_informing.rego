# Who informs the victim of what (afspraak informeren slachtoffer).
#
# With Hümeyra "it went wrong precisely on this point" (001): nobody was sure who would tell the
# victim of a release. The agreement reaches every partner on the case, so each knows whether it is
# the one to call her, and the partner named as informer in any case (it must act on it). It is
# coordination: what is agreed, by whom, and whom to call, with the names to recognise the case.
package ketenpoort.sharing

import data.ketenpoort.config

informing_facts := ["agreements", "agreed_by", "agreed_on", "contact"]

# The partners that inform a victim make such agreements and act on them; the safety house records
# what its case conference agreed.
agreement_partners := {"om", "police", "veiligthuis", "slachtofferhulp", "zvh"}

informing_sender if input.signal.source in agreement_partners

# The informers the agreement names (the gateway lists them among the signal's attributes).
named_informer(org) if org in object.get(input.signal.attributes, "informers", [])

grants[org] := victim_informing(org) if {
	input.signal.type == "victim_informing_agreed"
	some org, _ in config.partners
}

victim_informing(org) := coordination(array.concat(informing_facts, case_names)) if {
	informing_sender
	org in agreement_partners
	involved(org)
} else := coordination(array.concat(informing_facts, case_names)) if {
	informing_sender
	named_informer(org)
} else := dat_or_deny(org)
