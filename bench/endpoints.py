"""The benchmarked endpoints: one entry each. Add an endpoint by adding an entry here.

Reads run as the heavy user (300 follows, 5,000 marks); the PUT cycles through the heavy
user's marked episodes, so every request is a real write that leaves the data set as it
was; the bulk scrobble re-marks the same 100 episodes for a user of its own.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import orjson

from bench.load import Request
from bench.seed import Account, Seeded

MARKED_AT = 1_700_000_000


@dataclass
class Endpoint:
    name: str
    kind: str  # "read" | "write"
    request: Request
    # Minimum share of the raw-ASGI limit, per backend (the targets); none: no target.
    targets: dict[str, float] = field(default_factory=dict)
    raw_prefix: str | None = None  # the raw app answers every path under this prefix alike


def auth_headers(account: Account) -> dict[str, str]:
    token = base64.b64encode(f"{account.username}:{account.key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def json_request(method: str, path: str, account: Account, body: object | None = None) -> Request:
    headers = auth_headers(account)
    raw = b""
    if body is not None:
        raw = orjson.dumps(body)
        headers["Content-Type"] = "application/json"
    return Request(method, path, headers, raw)


def scrobble_body(episode_ids: list[int]) -> list[dict[str, int]]:
    return [{"episode_id": e, "type": 0, "marked_at": MARKED_AT} for e in episode_ids]


def endpoint_table(seeded: Seeded) -> list[Endpoint]:
    heavy = seeded.heavy
    read_targets = {"sqlite": 0.25, "postgresql": 0.12}
    put = json_request("PUT", f"/v1/user/episodes/{seeded.heavy_marked[0]}", heavy, {"type": 0, "marked_at": MARKED_AT})
    put.rotate_paths = [f"/v1/user/episodes/{e}" for e in seeded.heavy_marked[:1000]]
    scrobble_ids = [e for e in seeded.episode_ids if e not in set(seeded.heavy_marked)][:100]
    return [
        Endpoint("GET /v1/auth/validate", "read", json_request("GET", "/v1/auth/validate", heavy), read_targets),
        Endpoint(
            "GET /v1/user/follows/shows", "read", json_request("GET", "/v1/user/follows/shows", heavy), read_targets
        ),
        Endpoint(
            "GET /v1/user/follows/shows?embed=show",
            "read",
            json_request("GET", "/v1/user/follows/shows?embed=show", heavy),
        ),
        Endpoint("GET /v1/user/episodes", "read", json_request("GET", "/v1/user/episodes", heavy)),
        Endpoint("PUT /v1/user/episodes/{id}", "write", put, {"sqlite": 0.10}, raw_prefix="/v1/user/episodes/"),
        Endpoint(
            "POST /v1/scrobble/episodes (100 items)",
            "write",
            json_request("POST", "/v1/scrobble/episodes", seeded.scrobbler, scrobble_body(scrobble_ids)),
        ),
    ]
