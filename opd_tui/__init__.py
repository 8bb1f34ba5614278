"""opd-tui: the token desk of a hospital out-patient department."""

__version__ = "0.1.0"
