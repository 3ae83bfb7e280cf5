"""Carbon-aware windows: the lowest-carbon time of a grid-intensity forecast, for automations."""
