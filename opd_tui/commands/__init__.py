"""The `opd-tui` sub-commands that have grown a module of their own (`simulate`,
`serve` and `api-key`). Like `cli.py` they sit above every layer: they may start a
screen, the API server or a headless simulation."""
