"""Property test: whatever mix of good, bad and repeated items a bulk holds, each item's result
follows the rules, the HTTP status matches the codes, and the stored marks equal a simple model
(the last good item per episode wins; failed items change nothing)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import UNKNOWN_ID, ApiUser
from tests.scrobble.conftest import Episode, marks_of

_MISSING = object()


def _item(episode_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    def build(episode: Any, mark_type: Any, marked_at: Any) -> dict[str, Any]:
        item = {"episode_id": episode, "type": mark_type, "marked_at": marked_at}
        return {k: v for k, v in item.items() if v is not _MISSING}

    return st.builds(
        build,
        st.sampled_from([*episode_ids, UNKNOWN_ID, "x", _MISSING]),
        st.sampled_from([0, 1, 2, "2", 3, -1, "w", _MISSING]),
        st.one_of(st.integers(0, 2**40), st.sampled_from([-1, "soon", "17"])),
    )


def _expected(item: dict[str, Any], valid_ids: set[int]) -> tuple[int, tuple[int, int] | None]:
    """(code, (type, marked_at) when it succeeds)."""
    episode, mark_type, marked_at = item.get("episode_id"), item.get("type", 0), item["marked_at"]
    mark_type = int(mark_type) if mark_type in (0, 1, 2, "2") else None
    marked_at = int(marked_at) if isinstance(marked_at, int) or marked_at == "17" else None
    if marked_at is not None and marked_at < 0:
        marked_at = None
    if not isinstance(episode, int) or mark_type is None or marked_at is None:
        return 422, None
    if episode not in valid_ids:
        return 404, None
    return 200, (mark_type, marked_at)


def test_bulk_matches_model(client: TestClient, alice: ApiUser, episodes: list[Episode], database_url: str) -> None:
    pool = [e.id for e in episodes[:6]]
    show_of = {e.id: e.show_id for e in episodes[:6]}
    model: dict[int, tuple[int, int, int]] = {}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(_item(pool), max_size=12))
    def check(body: list[dict[str, Any]]) -> None:
        r = client.post("/v1/scrobble/episodes", json=body, auth=alice.auth)
        results = r.json()
        assert len(results) == len(body)
        codes = []
        for item, result in zip(body, results, strict=True):
            code, mark = _expected(item, set(pool))
            codes.append(code)
            assert result["code"] == code, (item, result)
            if mark is None:
                assert result["input"] == item
                assert result["errors"] and result["message"]
            else:
                assert result["result"] == {"episode_id": item["episode_id"], "type": mark[0], "marked_at": mark[1]}
                model[item["episode_id"]] = (show_of[item["episode_id"]], *mark)
        ok = codes.count(200)
        assert r.status_code == (200 if ok == len(codes) else 207 if ok else 422)
        assert marks_of(database_url, alice.id) == model

    check()
