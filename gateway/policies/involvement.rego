# Involvement opened or closed (betrokkenheid gestart / beëindigd): dat-informatie itself.
#
# The partners name being able to exchange dat-informatie as the key precondition for working
# together (DOMAIN.md). These signals are that and nothing more: no partner gets fields, only the
# dat notice (which organisation, since when, whom to call): a partner involved with the same
# person always, any other partner where the covenant allows (covenant.rego). The sender's role,
# dates and reason for closing stay in the involvement index.
package ketenpoort.sharing

import data.ketenpoort.config

grants[org] := dat_or_deny(org) if {
	input.signal.type in {"involvement_opened", "involvement_closed"}
	some org, _ in config.partners
}
