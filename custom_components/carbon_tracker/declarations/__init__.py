"""Personal carbon declarations (groundwork: not wired into Home Assistant yet)."""
