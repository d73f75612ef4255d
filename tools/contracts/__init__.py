"""The published contracts: JSON Schemas per signal version, their compatibility rules, the
AsyncAPI document of all topics, the contracts guide, and validation of messages against them."""
