"""The audit trail: one record per (signal, recipient), hash-chained per partition of
`gateway.audit`, written in the same Kafka transaction as the deliveries it describes."""
