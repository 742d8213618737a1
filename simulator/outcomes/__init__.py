"""Outcomes of one simulated study (survival estimators, study and capacity outcomes, the patient log), their
summary over studies, --probability conditions, and the vocabulary (key outcomes, colours, subtitles); the
outcomes themselves are named in scenario/catalogue.py."""
