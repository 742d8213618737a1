"""The engine: random-number streams, the patient pathway (stages, follow-up, waiting) run in SimPy queues, and
parameters drawn per study (heterogeneity, --uncertainty). Reads a scenario; knows nothing of outcomes."""
