"""run: what studies of one scenario would report (run), and with --uncertainty the same studies at the point
estimates beside them (uncertainty)."""
