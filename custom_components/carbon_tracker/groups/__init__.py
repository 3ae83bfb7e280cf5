"""Binding groups: forecast against measured, a total meter against its sub-meters."""
