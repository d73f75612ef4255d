# The covenant that applies: default, overridden key by key by the sender's region; and dat for
# partners involved always, for others only where the covenant says so.
package ketenpoort.sharing_test

import data.ketenpoort.config
import data.ketenpoort.sharing

test_without_a_region_the_default_covenant_applies if {
	covenant := sharing.covenant with input as example.new_report
		with config.covenants as covenant_regional
	covenant == covenant_all_off["default"]
}

test_a_missing_region_is_no_region if {
	query := json.remove(example.new_report, ["signal/region"])
	covenant := sharing.covenant with input as query
		with config.covenants as covenant_regional
	covenant == covenant_all_off["default"]
}

test_an_unknown_region_gets_the_default_covenant if {
	covenant := sharing.covenant with input as in_region(example.new_report, "nergens")
		with config.covenants as covenant_regional
	covenant == covenant_all_off["default"]
}

test_a_region_overrides_the_default_key_by_key if {
	covenant := sharing.covenant with input as in_region(example.new_report, "zuid")
		with config.covenants as covenant_regional
	covenant.dat_to_uninvolved_partners == true
	covenant.victim_support_dismissal_notice == true
	covenant.victim_support_release_notice == false # not overridden: the default's
}

test_the_shipped_default_covenant if {
	covenant := sharing.covenant with input as example.new_report
	covenant.dat_to_uninvolved_partners == false
	covenant.victim_support_release_notice == true
	covenant.victim_support_arrest_notice == true
	covenant.victim_support_dismissal_notice == false
}

test_the_shipped_oost_brabant_covenant_shares_dat if {
	covenant := sharing.covenant with input as in_region(example.new_report, "oost-brabant")
	covenant.dat_to_uninvolved_partners == true
	covenant.victim_support_release_notice == true
}

test_an_uninvolved_partner_gets_dat_only_where_the_covenant_allows if {
	off := decisions_for(example.new_report) with config.covenants as covenant_all_off
	off.om == sharing.deny
	on := decisions_for(example.new_report) with config.covenants as covenant_all_on
	on.om == sharing.dat with input as example.new_report
}

test_the_region_of_the_sender_switches_dat_on if {
	elsewhere := decisions_for(in_region(example.new_report, "noord")) with config.covenants as covenant_regional
	elsewhere.om.level == "none"
	here := decisions_for(in_region(example.new_report, "zuid")) with config.covenants as covenant_regional
	here.om.level == "dat"
	here.om.legal_basis == "wpg-art-19"
	here.om.purpose == "chain-coordination"
	here.om.urgency == "normal"
}

test_an_involved_partner_gets_dat_even_with_the_switch_off if {
	query := involving(example.new_report, {"slachtofferhulp"})
	decisions := decisions_for(query) with config.covenants as covenant_all_off
	decisions.slachtofferhulp.level == "dat"
	decisions["3ro"].level == "none"
}

test_dat_never_reaches_a_stranger if {
	decisions := decisions_for(involving(example.new_report, {"unknown-org"})) with config.covenants as covenant_all_on
	decisions["unknown-org"] == sharing.deny
}
