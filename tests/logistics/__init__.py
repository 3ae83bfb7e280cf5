"""Tests of the logistics (circulation) package."""
