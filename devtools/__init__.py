"""Development tools: seeding a Home Assistant configuration, running a real HA process."""
