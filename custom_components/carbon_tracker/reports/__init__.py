"""Reports: figures from the long-term statistics, on demand, on a schedule and at a crossing."""
