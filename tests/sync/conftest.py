"""A fake TVmaze upstream: a small Starlette app on 127.0.0.1 serving TVmaze-shaped JSON
(index pages, shows with embeds, episode lists with specials, updates), which records
every request (time, path, query, User-Agent) and can be told to answer 429s, 500s or
cut-off bodies. The sync tests never touch the internet."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openmaze.catalog.demo import demo_shows
from tests.conftest import free_port

# Spread over three index pages (0, 1, 2), with an empty id range in between.
UPSTREAM_IDS = [1, 2, 3, 251, 260, 520]
OLD = int(time.time()) - 40 * 86_400  # "updated" long before any `since` window


def upstream_catalog() -> dict[int, dict[str, Any]]:
    """Six made-up shows in TVmaze's shape, with ids that do not collide with the demo
    catalog already in the test database."""
    shows: dict[int, dict[str, Any]] = {}
    for n, source in enumerate(demo_shows(count=len(UPSTREAM_IDS), seed=11)):
        show_id = UPSTREAM_IDS[n]
        show = copy.deepcopy(source)
        show["id"] = show_id
        show["url"] = f"https://upstream.invalid/shows/{show_id}"
        show["_links"] = {"self": {"href": f"https://upstream.invalid/shows/{show_id}"}}
        show["externals"] = {"tvrage": None, "thetvdb": 70_000 + show_id, "imdb": f"tt{7_000_000 + show_id}"}
        show["updated"] = OLD + n
        episodes = show["_embedded"]["episodes"]
        for i, ep in enumerate(episodes):
            ep["id"] = show_id * 1000 + i + 1
            ep["url"] = f"https://upstream.invalid/episodes/{ep['id']}"
            ep["_links"] = {
                "self": {"href": f"https://upstream.invalid/episodes/{ep['id']}"},
                "show": {"href": f"https://upstream.invalid/shows/{show_id}", "name": show["name"]},
            }
        for credit in show["_embedded"]["cast"] + show["_embedded"]["crew"]:
            credit["person"] = {**credit["person"], "id": credit["person"]["id"] - 900_000 + 70_000}
        # Objects with ids of their own the test database's demo catalog holds too: left out
        # here (the mirror of a live openmaze, tests/sync/test_mirror.py, carries them).
        show["_embedded"].pop("alternatelists", None)
        for ep in episodes:
            ep.pop("_embedded", None)
        seasons = sorted({ep["season"] for ep in episodes})
        show["_embedded"]["seasons"] = [
            {
                "id": show_id * 100 + s,
                "url": f"https://upstream.invalid/seasons/{show_id * 100 + s}",
                "number": s,
                "name": "",
                "episodeOrder": sum(1 for ep in episodes if ep["season"] == s and ep["number"] is not None),
                "premiereDate": min(ep["airdate"] for ep in episodes if ep["season"] == s),
                "endDate": max(ep["airdate"] for ep in episodes if ep["season"] == s),
                "network": show["network"],
                "webChannel": show["webChannel"],
                "image": None,
                "summary": None,
                "_links": {"self": {"href": f"https://upstream.invalid/seasons/{show_id * 100 + s}"}},
            }
            for s in seasons
        ]
        shows[show_id] = show
    return shows


@dataclass
class Seen:
    at: float
    path: str
    query: str
    user_agent: str
    status: int

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class PremiumAccount:
    """A TVmaze premium account: Basic credentials and the user API's lists, by path under
    /v1/user/ ("follows/shows", "episodes", "tags/3/shows"...)."""

    username: str
    key: str
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    premium: bool = True

    def header(self) -> str:
        import base64

        return "Basic " + base64.b64encode(f"{self.username}:{self.key}".encode()).decode()


@dataclass
class FakeUpstream:
    url: str = ""
    shows: dict[int, dict[str, Any]] = field(default_factory=upstream_catalog)
    requests: list[Seen] = field(default_factory=list)
    # target ("/shows/3" or "/shows?page=1") -> list of (status, Retry-After or None) to
    # answer before serving normally; status 0 means "a 200 whose body is cut off".
    faults: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # A TVmaze premium account served at /v1/user/* (the importers' tests): see `PremiumAccount`.
    account: PremiumAccount | None = None

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    def targets(self) -> list[str]:
        with self.lock:
            return [r.target for r in self.requests]

    def people(self) -> dict[int, dict[str, Any]]:
        """Every person of the shows' casts and crews (the same object wherever credited)."""
        return {
            c["person"]["id"]: c["person"]
            for show in self.shows.values()
            for c in show["_embedded"]["cast"] + show["_embedded"]["crew"]
        }

    def touch_person(self, person_id: int, **changes: Any) -> None:
        """Change a person upstream (every credit of theirs shows the change)."""
        for show in self.shows.values():
            for credit in show["_embedded"]["cast"] + show["_embedded"]["crew"]:
                if credit["person"]["id"] == person_id:
                    credit["person"].update(changes, updated=int(time.time()))

    def touch(self, show_id: int, **changes: Any) -> None:
        """Change a show upstream, as an editor would: a new `updated` time."""
        self.shows[show_id].update(changes)
        self.shows[show_id]["updated"] = int(time.time())

    # -- the app

    def _core(self, show: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in show.items() if k != "_embedded"}

    def _json(self, obj: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(obj), status_code=status, media_type="application/json")

    def _not_found(self) -> Response:
        return self._json({"name": "Not Found", "message": "", "code": 0, "status": 404}, 404)

    async def handle(self, request: Request) -> Response:
        path, query = request.url.path, request.url.query
        target = path + (f"?{query}" if query else "")
        with self.lock:
            pending = self.faults.get(target) or self.faults.get(path)
            fault = pending.pop(0) if pending else None
        response = self._fault(fault) if fault else self._serve(request)
        with self.lock:
            self.requests.append(
                Seen(time.monotonic(), path, query, request.headers.get("user-agent", ""), response.status_code)
            )
        return response

    def _fault(self, fault: tuple[int, str | None]) -> Response:
        status, retry_after = fault
        if status == 0:
            body = orjson.dumps([self._core(s) for s in self.shows.values()])
            return Response(body[: len(body) // 2], media_type="application/json")
        headers = {"Retry-After": retry_after} if retry_after else None
        body = orjson.dumps({"name": "Too Many Requests", "message": "", "code": 0, "status": status})
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def _episode(self, episode_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for show in self.shows.values():
            for episode in show["_embedded"]["episodes"]:
                if episode["id"] == episode_id:
                    return show, episode
        return None

    def _single(self, kind: str, object_id: int) -> dict[str, Any] | None:
        """A person, network or web channel, as the shows here carry them."""
        for show in self.shows.values():
            if kind == "people":
                for credit in show["_embedded"].get("cast", []):
                    if credit["person"]["id"] == object_id:
                        return dict(credit["person"])
            else:
                channel = show.get("network" if kind == "networks" else "webChannel")
                if channel and channel["id"] == object_id:
                    return dict(channel)
        return None

    def _serve_user(self, request: Request, parts: list[str]) -> Response:
        account = self.account
        header = request.headers.get("authorization", "")
        if account is None or header != account.header():
            return self._json({"name": "Unauthorized", "message": "", "code": 0, "status": 401}, 401)
        if not account.premium:
            return self._json({"name": "Forbidden", "message": "", "code": 0, "status": 403}, 403)
        path = "/".join(parts[2:])
        if path in account.lists:
            return self._json(account.lists[path])
        return self._not_found()

    def _serve(self, request: Request) -> Response:
        parts = request.url.path.strip("/").split("/")
        params = request.query_params
        if parts[:2] == ["v1", "user"]:
            return self._serve_user(request, parts)
        if parts == ["lookup", "shows"]:
            for key, external in (("thetvdb", "thetvdb"), ("imdb", "imdb"), ("tvrage", "tvrage")):
                if key in params:
                    for show_id, show in sorted(self.shows.items()):
                        if str(show["externals"].get(external)) == params[key]:
                            # As TVmaze answers: a redirect to the show.
                            return Response(status_code=301, headers={"Location": f"{self.url}/shows/{show_id}"})
            return self._not_found()
        if len(parts) == 2 and parts[0] == "episodes" and parts[1].isdigit():
            found = self._episode(int(parts[1]))
            if found is None:
                return self._not_found()
            show, episode = found
            body = dict(episode)
            if params.get("embed") == "show":
                body["_embedded"] = {"show": self._core(show)}
            return self._json(body)
        if len(parts) == 2 and parts[0] in ("people", "networks", "webchannels") and parts[1].isdigit():
            single = self._single(parts[0], int(parts[1]))
            return self._json(single) if single is not None else self._not_found()
        if parts == ["shows"]:
            page = int(params.get("page", "0"))
            if page * 250 > max(self.shows):
                return self._not_found()
            return self._json(
                [self._core(s) for i, s in sorted(self.shows.items()) if page * 250 <= i < page * 250 + 250]
            )
        if parts == ["updates", "people"]:
            windows = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}
            cutoff = int(time.time()) - windows[params.get("since", "month")]
            people = self.people()
            return self._json({str(i): p["updated"] for i, p in sorted(people.items()) if p["updated"] >= cutoff})
        if len(parts) == 2 and parts[0] == "people" and parts[1].isdigit():
            person = self.people().get(int(parts[1]))
            return self._json(person) if person is not None else self._not_found()
        if parts == ["updates", "shows"]:
            windows = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}
            since = params.get("since")
            cutoff = int(time.time()) - windows[since] if since else 0
            return self._json({str(i): s["updated"] for i, s in sorted(self.shows.items()) if s["updated"] >= cutoff})
        if len(parts) >= 2 and parts[0] == "shows" and parts[1].isdigit():
            show = self.shows.get(int(parts[1]))
            if show is None:
                return self._not_found()
            episodes = show["_embedded"]["episodes"]
            if len(parts) == 3 and parts[2] == "akas":
                return self._json(show["_embedded"]["akas"])
            if len(parts) == 3 and parts[2] == "episodes":
                specials = params.get("specials") == "1"
                return self._json([e for e in episodes if specials or e["number"] is not None])
            if len(parts) == 2:
                body = self._core(show)
                wanted = params.getlist("embed[]") + params.getlist("embed")
                embedded: dict[str, Any] = {}
                for name in wanted:
                    if name == "episodes":
                        embedded["episodes"] = [e for e in episodes if e["number"] is not None]
                    elif name in ("cast", "crew", "seasons", "images"):
                        embedded[name] = show["_embedded"][name]
                if embedded:
                    body["_embedded"] = embedded
                return self._json(body)
        return self._not_found()


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    app = Starlette(routes=[Route("/{path:path}", fake.handle)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake upstream did not start")
        time.sleep(0.02)
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    server.should_exit = True
    thread.join(timeout=10)
