"""The scenario: its schema (the TOML fields and their bounds), distributions, evidence and priors, reading a file
with --set overrides, the messages that explain bad input, and the catalogue of the outcomes a scenario yields.
Imports only simulator.errors."""
