"""calibrate: free scenario parameters fitted to published figures by weighted least squares."""
