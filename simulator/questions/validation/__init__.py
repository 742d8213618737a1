"""validate: the simulator checked against closed forms and published figures."""
