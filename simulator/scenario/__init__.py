"""The scenario: its schema (the TOML fields and their bounds), distributions, evidence and priors, reading a file
with --set overrides, and the messages that explain bad input. Imports only simulator.errors."""
