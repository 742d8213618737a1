"""What a reader sees: figures of a run (plots) and report.html (html, built from a run folder's own files)."""
