# The regional covenant that applies to a signal, and what it allows beyond the rules themselves.
#
# Sharing rests on regional covenants (convenanten) and their verstrekkingentabel. The switches live
# in ketenpoort/config/covenants.json: "default" applies everywhere, and an entry named after the
# sender's region (the unit in ce_source, urn:ketenpoort:<org>:<unit>) overrides it key by key.
package ketenpoort.sharing

import data.ketenpoort.config

region := object.get(input.signal, "region", null)

covenant := object.union(config.covenants["default"], object.get(config.covenants, region, {}))

# dat-informatie is the mere fact that the sender is involved with the person, and whom to call.
# A partner already involved with the same person gets it always: that is how two professionals
# working on one person find each other (the Verwijsindex precedent in DOMAIN.md). A partner not
# involved gets it only where the covenant says so: otherwise every signal would tell every
# partner about every person, which is not "adequate, relevant and not excessive".
dat_allowed(org) if involved(org)

dat_allowed(_) if covenant.dat_to_uninvolved_partners == true
