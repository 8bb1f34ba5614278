"""The Textual screens: reception desk, kiosk, simulation."""
