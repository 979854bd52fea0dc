"""Steps shared by the quality-control tests: an annotator's API client, and claiming and
answering one clip after another."""

from rest_framework.test import APIClient

JOY = {"basic7": "Joy", "goemotions": ["joy"], "intensity": 3}
ANGER = {"basic7": "Anger", "goemotions": ["anger"], "intensity": 4}


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(user)
    return api


def answer(api: APIClient, slug: str, payloads: list[dict]) -> list[str]:
    """Claim and submit each payload; the external ids of the clips served."""
    served = []
    for payload in payloads:
        got = api.post(f"/api/projects/{slug}/next/").json()
        assert got["assignment"] is not None, got["reason"]
        lease = got["assignment"]
        sent = api.post(
            f"/api/assignments/{lease['id']}/submit/", {"payload": payload}, format="json"
        )
        assert sent.status_code == 201, sent.json()
        served.append(lease["clip"]["external_id"])
    return served
