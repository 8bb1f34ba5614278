"""`opd-tui serve` and `opd-tui api-key create|list|revoke`.

`configure(commands)` adds both to the `opd-tui` command line. Like every other
command, a database that cannot be used or a refusal ends with one line on
stderr and exit status 2 (`opd_tui.cli.main` catches the `OPDError`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

DB_HELP = "SQLAlchemy URL of the database (default: $OPD_DB_URL, else the local SQLite file)"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _db_url(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or os.environ.get("OPD_DB_URL") or None


def configure(commands: Any) -> None:
    """Add `serve` and `api-key` to the subcommands of `opd-tui`."""
    own_db = {"metavar": "URL", "help": DB_HELP, "default": argparse.SUPPRESS}

    serve = commands.add_parser(
        "serve", help="serve the engine over HTTP for portals and hospital systems",
        description="Serve the HTTP API (docs at /docs) on this database, beside desks and "
        "kiosks. It listens on localhost unless told otherwise: put a TLS reverse proxy "
        "in front of it (see the README) before other computers reach it.",
    )
    serve.add_argument("--db", **own_db)
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this computer only)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
    serve.set_defaults(handler=run_serve)

    keys = commands.add_parser(
        "api-key", help="make, list and revoke keys of the HTTP API",
        description="Keys of the HTTP API. A key is printed once, when it is made; only its "
        "hash is stored. Scopes: portal (books ONLINE tokens, reads availability, cancels "
        "its own), desk (every token command, reads everything), admin (also doctors, "
        "slots, rosters, simulations).",
    )
    keys.add_argument("--db", **own_db)
    actions = keys.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="make a key and print it (once)")
    create.add_argument("name", help="the key's name, shown in the request log "
                        "(letters, digits, '.', '_', '-')")
    create.add_argument("--scope", required=True, choices=["portal", "desk", "admin"])
    create.add_argument("--db", **own_db)
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list the keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.add_argument("--db", **own_db)
    listing.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="revoke a key by name (within 2 seconds "
                                "on a running server)")
    revoke.add_argument("name")
    revoke.add_argument("--db", **own_db)
    revoke.set_defaults(handler=run_revoke)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def _open(args: argparse.Namespace, *, create: bool) -> Any:
    from ..cli import open_engine

    return open_engine(_db_url(args), create=create)


# -- opd-tui serve ------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..api.app import create_app
    except ImportError as error:
        print(f"opd-tui: the HTTP API needs the [api] extra ({error.name} is missing): "
              "pip install 'opd-tui[api]'", file=sys.stderr)
        return 2
    # A server on a mistyped path must not serve an empty new database: the desk
    # (or `opd-tui api-key create`) makes it.
    engine = _open(args, create=False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    api_log = logging.getLogger("opd_tui.api")
    api_log.addHandler(handler)
    api_log.setLevel(logging.INFO)
    api_log.propagate = False
    try:
        app = create_app(engine)
        print(f"opd-tui: serving {engine.url} on http://{args.host}:{args.port} "
              f"(docs at /docs)", file=sys.stderr, flush=True)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            # uvicorn's access log prints paths with their query strings, which can
            # hold a patient's name or phone: the API logs its own lines instead.
            access_log=False,
            log_level="warning",
            server_header=False,
            timeout_graceful_shutdown=5,
        )
    finally:
        engine.close()
    return 0


# -- opd-tui api-key --------------------------------------------------------------------


def run_create(args: argparse.Namespace) -> int:
    from ..api.keys import KeyStore

    engine = _open(args, create=True)
    try:
        info, key = KeyStore(engine).create(args.name, args.scope)
    finally:
        engine.close()
    print(key)
    print(f"opd-tui: made the {info.scope} key {info.name}. It is shown only now and cannot be "
          "shown again: give it to its user over a safe channel.", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..api.keys import KeyStore

    engine = _open(args, create=False)
    try:
        keys = KeyStore(engine).list()
    finally:
        engine.close()
    if args.json:
        print(json.dumps([
            {"name": k.name, "scope": k.scope.value, "keyId": k.key_id,
             "createdAt": k.created_at.isoformat(),
             "revokedAt": k.revoked_at.isoformat() if k.revoked_at else None}
            for k in keys
        ], indent=2))
        return 0
    if not keys:
        print("No API keys yet; make one with: opd-tui api-key create NAME --scope portal")
        return 0
    width = max(len(k.name) for k in keys)
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        print(f"{k.name:<{width}}  {k.scope.value:<6}  opd_{k.key_id}_...  "
              f"made {k.created_at:%Y-%m-%d %H:%M}  {state}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from ..api.keys import KeyStore

    engine = _open(args, create=False)
    try:
        info = KeyStore(engine).revoke(args.name)
    finally:
        engine.close()
    print(f"Revoked the {info.scope.value} key {info.name}.")
    return 0
