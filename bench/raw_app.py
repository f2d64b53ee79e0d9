"""The limit: a bare ASGI app that answers each benchmarked request with the exact bytes
openmaze answered it with (captured first), on the same uvicorn settings as openmaze.

Whatever this app does not do - routing through a framework, authentication, the database,
serialisation - is what openmaze adds; the ratio of the two is each endpoint's "share of
the limit". It still reads the request body, as any server must.

    python -m bench.raw_app --port 8100 --responses responses.json
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path
from typing import Any


class RawApp:
    def __init__(self, captured: list[dict[str, Any]]) -> None:
        self.exact: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.prefixes: list[tuple[str, str, tuple[int, list[tuple[bytes, bytes]], bytes]]] = []
        for item in captured:
            body = base64.b64decode(item["body"])
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in item["headers"]]
            headers.append((b"content-length", str(len(body)).encode()))
            entry = (int(item["status"]), headers, body)
            if item.get("prefix"):
                self.prefixes.append((item["method"], item["path"], entry))
            else:
                self.exact[(item["method"], item["path"])] = entry
        self.missing = (404, [(b"content-type", b"text/plain"), (b"content-length", b"9")], b"not found")

    def _find(self, method: str, target: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        entry = self.exact.get((method, target))
        if entry is not None:
            return entry
        for m, prefix, e in self.prefixes:
            if m == method and target.startswith(prefix):
                return e
        return self.missing

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        qs = scope["query_string"]
        target = scope["path"] + ("?" + qs.decode("latin-1") if qs else "")
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        status, headers, body = self._find(scope["method"], target)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--responses", type=Path, required=True)
    args = parser.parse_args()
    app = RawApp(json.loads(args.responses.read_text()))
    # The settings `openmaze serve` uses (cli.cmd_serve), minus the access log on both sides.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
