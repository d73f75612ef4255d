"""The privacy officer's tools: what a signal would give each partner, the sharing matrix, the
impact of a policy change, and the policy checks, all asked of the real policy engine."""
