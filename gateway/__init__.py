"""Ketenpoort: the chain partners' signal gateway."""
