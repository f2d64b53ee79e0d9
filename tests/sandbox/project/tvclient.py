"""The app under test: a small TVmaze client of the kind openmaze's sandbox is for. It pairs
a device (`/v1/auth/start` + `/v1/auth/poll`) and reads the user's followed shows, backing
off on 429 as TVmaze asks (Retry-After, else 2 s, growing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class TVmazeError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{body.get('name')}: {body.get('message')}")
        self.status = status


class TVClient:
    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, auth=auth, timeout=10)
        self.sleep = sleep
        self.max_retries = max_retries

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        delay = 2.0
        for _ in range(self.max_retries + 1):
            response = self.http.request(method, path, **kwargs)
            if response.status_code != 429:
                break
            self.sleep(float(response.headers.get("Retry-After", delay)))
            delay *= 2
        if response.is_error:
            raise TVmazeError(response.status_code, response.json())
        return response.json()

    # pairing: the device asks, the person confirms, the device collects its key once
    def start_pairing(self, email: str) -> str:
        return str(self._request("POST", "/v1/auth/start", json={"email": email})["token"])

    def poll_pairing(self, token: str) -> tuple[str, str] | None:
        """(username, apikey) once confirmed; None while waiting."""
        try:
            found = self._request("POST", "/v1/auth/poll", json={"token": token})
        except TVmazeError as exc:
            if exc.status == 403:  # not confirmed yet: keep polling
                return None
            raise
        credentials = (found["username"], found["apikey"])
        self.http.auth = credentials
        return credentials

    def followed_shows(self) -> list[int]:
        return [item["show_id"] for item in self._request("GET", "/v1/user/follows/shows")]

    def follow(self, show_id: int) -> None:
        self._request("PUT", f"/v1/user/follows/shows/{show_id}")

    def mark_watched(self, episode_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._request("PUT", f"/v1/user/episodes/{episode_id}", json={"type": 0})
        return result
