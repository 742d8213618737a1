"""Value of information: EVPPI from the PSA draws, EVSI and ENBS of the trial `power` simulates."""
