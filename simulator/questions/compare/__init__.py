"""compare: several scenarios side by side, with differences against the first."""
