"""Outcomes of one simulated study (survival estimators, study and capacity outcomes, the patient log), their
summary over studies, --probability conditions, and the vocabulary that names outcomes for readers."""
