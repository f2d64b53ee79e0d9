"""Fixtures for the /v1/user tests: demo-catalog ids of every kind, and the list of every
operation (method + path template) so matrices can cover them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

# Every /v1/user operation of the spec. test_openapi checks this against the spec file,
# so a matrix over it cannot silently miss a route.
OPERATIONS: tuple[tuple[str, str], ...] = (
    *(
        (method, path)
        for kind, param in (
            ("shows", "show_id"),
            ("people", "person_id"),
            ("networks", "network_id"),
            ("webchannels", "webchannel_id"),
        )
        for method, path in (
            ("GET", f"/v1/user/follows/{kind}"),
            ("GET", f"/v1/user/follows/{kind}/{{{param}}}"),
            ("PUT", f"/v1/user/follows/{kind}/{{{param}}}"),
            ("DELETE", f"/v1/user/follows/{kind}/{{{param}}}"),
        )
    ),
    ("GET", "/v1/user/episodes"),
    ("GET", "/v1/user/episodes/{episode_id}"),
    ("PUT", "/v1/user/episodes/{episode_id}"),
    ("DELETE", "/v1/user/episodes/{episode_id}"),
    ("GET", "/v1/user/votes/shows"),
    ("GET", "/v1/user/votes/shows/{show_id}"),
    ("PUT", "/v1/user/votes/shows/{show_id}"),
    ("DELETE", "/v1/user/votes/shows/{show_id}"),
    ("GET", "/v1/user/votes/episodes"),
    ("GET", "/v1/user/votes/episodes/{episode_id}"),
    ("PUT", "/v1/user/votes/episodes/{episode_id}"),
    ("DELETE", "/v1/user/votes/episodes/{episode_id}"),
    ("GET", "/v1/user/tags"),
    ("POST", "/v1/user/tags"),
    ("PATCH", "/v1/user/tags/{tag_id}"),
    ("DELETE", "/v1/user/tags/{tag_id}"),
    ("GET", "/v1/user/tags/{tag_id}/shows"),
    ("PUT", "/v1/user/tags/{tag_id}/shows/{show_id}"),
    ("DELETE", "/v1/user/tags/{tag_id}/shows/{show_id}"),
)

# A body each writing operation accepts, so a matrix exercises the real write path.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/v1/user/episodes/{episode_id}"): {"type": 1, "marked_at": 1_700_000_000},
    ("PUT", "/v1/user/votes/shows/{show_id}"): {"vote": 7},
    ("PUT", "/v1/user/votes/episodes/{episode_id}"): {"vote": 7},
    ("POST", "/v1/user/tags"): {"name": "Bob's tag"},
    ("PATCH", "/v1/user/tags/{tag_id}"): {"name": "Renamed"},
}


@dataclass(frozen=True)
class Ids:
    show: int
    show2: int
    episode: int
    episode2: int  # another episode of `show`
    other_episode: int  # an episode of `show2`
    person: int
    network: int
    webchannel: int

    def path(self, template: str, tag_id: int = 0) -> str:
        return template.format(
            show_id=self.show,
            person_id=self.person,
            network_id=self.network,
            webchannel_id=self.webchannel,
            episode_id=self.episode,
            tag_id=tag_id,
        )


@pytest.fixture(scope="session")
def ids(demo: list[dict[str, Any]]) -> Ids:
    show, show2 = demo[0], demo[1]
    person = next(c["person"]["id"] for s in demo for c in s["_embedded"].get("cast", []))
    network = next(s["network"]["id"] for s in demo if s.get("network"))
    webchannel = next(s["webChannel"]["id"] for s in demo if s.get("webChannel"))
    episodes = show["_embedded"]["episodes"]
    return Ids(
        show=show["id"],
        show2=show2["id"],
        episode=episodes[0]["id"],
        episode2=episodes[1]["id"],
        other_episode=show2["_embedded"]["episodes"][0]["id"],
        person=person,
        network=network,
        webchannel=webchannel,
    )


def catalog_object(demo: list[dict[str, Any]], kind: str, object_id: int) -> dict[str, Any]:
    """The demo catalog's object as the API embeds it (shows without their own _embedded)."""
    for show in demo:
        if kind == "show" and show["id"] == object_id:
            return {k: v for k, v in show.items() if k != "_embedded"}
        if kind == "network" and (show.get("network") or {}).get("id") == object_id:
            return dict(show["network"])
        if kind == "webchannel" and (show.get("webChannel") or {}).get("id") == object_id:
            return dict(show["webChannel"])
        for ep in show["_embedded"].get("episodes", []):
            if kind == "episode" and ep["id"] == object_id:
                return dict(ep)
        for credit in show["_embedded"].get("cast", []):
            if kind == "person" and credit["person"]["id"] == object_id:
                return dict(credit["person"])
    raise KeyError((kind, object_id))
