#!/usr/bin/env python3
"""Referee for tests/buildkit_differential.rs: BuildKit's own Dockerfile parser.

Uses the PyPI package `dockerfile` (3.4.0 wraps BuildKit v0.12.5's Go parser).
Reads file paths (arguments, or one per line on stdin) and prints ONE JSON
document, so Python starts once for the whole run:

  {"ok": true, "results": {path: {"commands": [...]} | {"error": "..."}}}

or, when the package is missing, {"ok": false, "reason": "..."}.
"""
import json
import sys


def command(c):
    return {
        "cmd": c.cmd,
        "sub_cmd": c.sub_cmd,
        "json": bool(c.json),
        "start_line": c.start_line,
        "end_line": c.end_line,
        "flags": list(c.flags),
        "value": list(c.value),
        "heredocs": [
            {"name": h.name, "fd": h.file_descriptor, "content": h.content}
            for h in c.heredocs
        ],
    }


def main():
    try:
        import dockerfile
    except ImportError as e:
        print(json.dumps({"ok": False, "reason": f"python package `dockerfile` missing: {e}"}))
        return
    paths = sys.argv[1:] or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    results = {}
    for p in paths:
        try:
            results[p] = {"commands": [command(c) for c in dockerfile.parse_file(p)]}
        except Exception as e:  # GoParseError, GoIOError
            results[p] = {"error": f"{type(e).__name__}: {e}"}
    try:
        from importlib.metadata import version

        ver = version("dockerfile")
    except Exception:  # pragma: no cover - metadata missing
        ver = "?"
    print(json.dumps({"ok": True, "version": ver, "results": results}))


if __name__ == "__main__":
    main()
