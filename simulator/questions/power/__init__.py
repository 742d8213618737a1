"""power: power and sample size of a randomised two-arm trial (trial simulation, log-rank test, TRM tests)."""
