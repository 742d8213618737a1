"""Bounds that command-line flags share with the scenario schema, in a module of their own so that parsing
flags (and `hsct-sim --help`) does not load the schema and its libraries."""

MAX_COUNT = 10**9  # patients, studies, events, capacity: beyond any study; safe in integer arrays and float posteriors
MAX_SEED = 2**63 - 1  # seeds are written to int64 columns
MAX_RATE = 1e6  # per year (referrals, events): an event within a minute
MAX_FILE_BYTES = 2**20  # a scenario is a few kB; a larger file is the wrong file, and is not read whole
MAX_DEPTH = 32  # nesting of tables and arrays in a scenario file; a scenario needs 4
