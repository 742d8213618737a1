"""sweep: outcomes across a grid of scenario values, with common random numbers."""
