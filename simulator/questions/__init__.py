"""One sub-package per question the simulator answers beyond `run`: sweep, compare, power, calibration, validation.
Each holds the computation, its result type and its figures."""
