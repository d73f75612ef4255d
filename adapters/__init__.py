"""Organisation adapters: each turns its organisation's native export into signals and delivers
its inbox back. Only the mapping differs per organisation; the plumbing lives here, once."""
