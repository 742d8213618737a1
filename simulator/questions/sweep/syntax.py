"""How `--param` values are written: the example the help and every message show, in a module without the
grid's imports so that `hsct-sim --help` stays fast."""

EXAMPLE = "e.g. --param stages.isolation.death_probability=0:0.2:11 or --param cohort.size=20,50,100"
