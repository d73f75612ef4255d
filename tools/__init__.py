"""Tools for developers and operators, apart from the services: the local stack (stack/), the
published contracts (contracts/), the privacy officers' policy tools (policy/), the demo, and the
`ketenpoort` command line that assembles them with the services. They may import everything;
nothing imports them."""
