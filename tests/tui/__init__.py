"""Desk (Textual) tests: Pilot, snapshots, markup safety."""
