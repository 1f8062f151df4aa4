"""Every route under /api/v1/ has its anonymous, role and district cases (issue 7).

`ROUTES` is the explicit registry: one entry per (route name, HTTP method) that the URL
resolver offers under /api/v1/. `test_every_route_is_in_the_registry` walks the resolver
(routers, @action routes, plain views) and fails when a route is added without its cases, or
when the registry names a route that no longer exists. `test_route` runs the cases: an
anonymous client, an authenticated user in no group, a reader (leader: view permissions
only) and an editor limited to Hạ Long working on Cẩm Phả's objects; each refused write is
checked against a snapshot of the database.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver

from config import api_urls
from tests.security.conftest import OTHER, token_client
from tests.security.snapshot import snapshot

OTHER_AGENCY, OTHER_RECORD = 33, 30  # Cẩm Phả's MTTQ bloc agency and one of its headcounts


@dataclass(frozen=True)
class Case:
    url: str  # may name {other_merger}: the open merger of Cẩm Phả
    body: dict | None = None
    anonymous: int = 401
    no_role: int = 403  # authenticated, in no group
    reader: int = 200  # a leader: view permissions only
    limited: int = 200  # an editor limited to Hạ Long, on Cẩm Phả's object (or on province-wide data)
    why: str = ""  # when `limited` is not a refusal: why the district does not apply


READ = {"reader": 200, "limited": 200}
WRITE_OTHER_DISTRICT = {"reader": 403, "limited": 403}
AGENCY_BODY = {"name": "Cơ quan mới", "district": OTHER, "agency_type": "khoi-mttq", "established_on": "2021-01-01"}
HEADCOUNT_BODY = {"agency": OTHER_AGENCY, "as_of": "2021-01-01", "authorised": 9, "source": "x"}
PROGRAMME_BODY = {
    "code": "de-an-moi",
    "name": "Đề án mới",
    "result_type": "khoi-mttq",
    "source_types": ["mttq", "hoi-nong-dan"],
}
NO_DISTRICT = "province-wide data: any editor may read it"

ROUTES: dict[tuple[str, str], Case] = {
    ("api-root", "GET"): Case("/api/v1/", no_role=200, why="the list of endpoints, for any signed-in user"),
    ("api-token", "POST"): Case(
        "/api/v1/auth/token/", {}, anonymous=400, no_role=400, reader=400, limited=400, why="public: it gives tokens"
    ),
    ("report-staffing", "GET"): Case("/api/v1/reports/staffing/", why=NO_DISTRICT),
    ("report-progress", "GET"): Case("/api/v1/reports/progress/", why=NO_DISTRICT),
    ("report-actual-vs-authorised", "GET"): Case("/api/v1/reports/actual-vs-authorised/", why=NO_DISTRICT),
    ("report-focal-points", "GET"): Case("/api/v1/reports/focal-points/", why=NO_DISTRICT),
    # The decision register (issue 14): read-only in the API, open to every role that reads.
    ("decision-list", "GET"): Case("/api/v1/decisions/", why=NO_DISTRICT),
    ("decision-detail", "GET"): Case("/api/v1/decisions/1/", why=NO_DISTRICT),
    ("decision-history", "GET"): Case("/api/v1/decisions/1/history/", why=NO_DISTRICT),
    ("province-list", "GET"): Case("/api/v1/provinces/", why=NO_DISTRICT),
    ("province-detail", "GET"): Case("/api/v1/provinces/22/", why=NO_DISTRICT),
    ("district-list", "GET"): Case("/api/v1/districts/", why="reading is open to every role"),
    ("district-detail", "GET"): Case(f"/api/v1/districts/{OTHER}/", why="reading is open to every role"),
    ("district-history", "GET"): Case(f"/api/v1/districts/{OTHER}/history/", why="reading is open to every role"),
    ("agencytype-list", "GET"): Case("/api/v1/agency-types/", why=NO_DISTRICT),
    ("agencytype-detail", "GET"): Case("/api/v1/agency-types/khoi-mttq/", why=NO_DISTRICT),
    ("agencytype-history", "GET"): Case("/api/v1/agency-types/khoi-mttq/history/", why=NO_DISTRICT),
    ("agency-list", "GET"): Case("/api/v1/agencies/", why="reading is open to every role"),
    ("agency-list", "POST"): Case("/api/v1/agencies/", AGENCY_BODY, **WRITE_OTHER_DISTRICT),
    ("agency-detail", "GET"): Case(f"/api/v1/agencies/{OTHER_AGENCY}/", why="reading is open to every role"),
    ("agency-detail", "PUT"): Case(f"/api/v1/agencies/{OTHER_AGENCY}/", AGENCY_BODY, **WRITE_OTHER_DISTRICT),
    ("agency-detail", "PATCH"): Case(f"/api/v1/agencies/{OTHER_AGENCY}/", {"name": "Tên"}, **WRITE_OTHER_DISTRICT),
    ("agency-history", "GET"): Case(f"/api/v1/agencies/{OTHER_AGENCY}/history/", why="reading is open to every role"),
    ("programme-list", "GET"): Case("/api/v1/programmes/", why=NO_DISTRICT),
    # A programme serves every district: only a province-wide editor changes it (issue 13).
    ("programme-list", "POST"): Case("/api/v1/programmes/", PROGRAMME_BODY, reader=403, limited=403),
    ("programme-detail", "GET"): Case("/api/v1/programmes/khoi-mttq/", why=NO_DISTRICT),
    ("programme-detail", "PUT"): Case(
        "/api/v1/programmes/khoi-mttq/",
        {**PROGRAMME_BODY, "code": "khoi-mttq"},
        reader=403,
        limited=403,
    ),
    ("programme-detail", "PATCH"): Case("/api/v1/programmes/khoi-mttq/", {"name_en": "x"}, reader=403, limited=403),
    ("programme-history", "GET"): Case("/api/v1/programmes/khoi-mttq/history/", why=NO_DISTRICT),
    ("merger-list", "GET"): Case("/api/v1/mergers/", why="reading is open to every role"),
    ("merger-list", "POST"): Case(
        "/api/v1/mergers/",
        {
            "programme": "khoi-mttq",
            "district": OTHER,
            "source_agencies": [OTHER_AGENCY, 34],
            "decision_number": "1",
            "decided_on": "2021-01-01",
        },
        **WRITE_OTHER_DISTRICT,
    ),
    ("merger-detail", "GET"): Case("/api/v1/mergers/{other_merger}/", why="reading is open to every role"),
    ("merger-advance", "POST"): Case(
        "/api/v1/mergers/{other_merger}/advance/", {"status": "approved", "on": "2021-04-01"}, **WRITE_OTHER_DISTRICT
    ),
    ("merger-complete", "POST"): Case(
        "/api/v1/mergers/{other_merger}/complete/", {"effective_on": "2021-05-01"}, **WRITE_OTHER_DISTRICT
    ),
    ("merger-cancel", "POST"): Case(
        "/api/v1/mergers/{other_merger}/cancel/", {"on": "2021-04-01"}, **WRITE_OTHER_DISTRICT
    ),
    ("merger-history", "GET"): Case("/api/v1/mergers/{other_merger}/history/", why="reading is open to every role"),
    ("headcount-list", "GET"): Case("/api/v1/headcounts/", why="reading is open to every role"),
    ("headcount-list", "POST"): Case("/api/v1/headcounts/", HEADCOUNT_BODY, **WRITE_OTHER_DISTRICT),
    ("headcount-detail", "GET"): Case(f"/api/v1/headcounts/{OTHER_RECORD}/", why="reading is open to every role"),
    ("headcount-detail", "PUT"): Case(
        f"/api/v1/headcounts/{OTHER_RECORD}/",
        {**HEADCOUNT_BODY, "as_of": "2016-01-01", "source_kind": "official"},
        **WRITE_OTHER_DISTRICT,
    ),
    ("headcount-detail", "PATCH"): Case(f"/api/v1/headcounts/{OTHER_RECORD}/", {"actual": 1}, **WRITE_OTHER_DISTRICT),
    ("headcount-history", "GET"): Case(
        f"/api/v1/headcounts/{OTHER_RECORD}/history/", why="reading is open to every role"
    ),
}


def _methods(callback) -> set[str]:
    """The HTTP methods a view answers, HEAD and OPTIONS aside (they follow GET and the schema)."""
    cls = getattr(callback, "cls", None)
    allowed = {m.upper() for m in getattr(cls, "http_method_names", [])} - {"HEAD", "OPTIONS"}
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a router's route: the methods mapped to an action
        return {m.upper() for m in actions} & allowed
    return {m for m in allowed if hasattr(cls, m.lower())}


def api_routes(patterns=None, prefix="") -> set[tuple[str, str]]:
    """(route name, method) of every view under /api/v1/."""
    found = set()
    for pattern in api_urls.urlpatterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("v1/"):
            assert pattern.name, f"/api/{route} has no name: name it and add it to ROUTES"
            found |= {(pattern.name, method) for method in _methods(pattern.callback)}
    return found


def test_every_route_is_in_the_registry():
    routes = api_routes()
    missing = sorted(routes - ROUTES.keys())
    assert not missing, (
        f"API routes without permission cases: {missing}. Add each to ROUTES in {__file__} "
        "with its anonymous, role-without-permission, reader and district-limited editor cases."
    )
    stale = sorted(ROUTES.keys() - routes)
    assert not stale, f"ROUTES names routes that no longer exist: {stale}; remove them from {__file__}."
    assert len(routes) == 42  # the walk finds the @action routes too (advance, complete, cancel, history)


def test_registry_explains_every_district_exception():
    for key, case in ROUTES.items():
        if case.limited < 400:
            assert case.why, f"{key}: the limited editor is not refused: say why in `why`"


@pytest.mark.parametrize("key", sorted(ROUTES), ids=lambda key: f"{key[1]} {key[0]}")
def test_route(key, quang_ninh, nobody, leader, limited, open_mergers):
    name, method = key
    case = ROUTES[key]
    url = case.url.format(other_merger=open_mergers.other.pk)
    for who, user, expected in (
        ("anonymous", None, case.anonymous),
        ("no role", nobody, case.no_role),
        ("reader", leader, case.reader),
        ("limited editor", limited, case.limited),
    ):
        client = token_client(user)
        before = snapshot() if case.body is not None and expected >= 400 else None
        response = getattr(client, method.lower())(url, case.body)
        assert response.status_code == expected, f"{method} {url} as {who}: {response.status_code} {response.content}"
        if before is not None:
            assert snapshot() == before, f"{method} {url} as {who} was refused but wrote something"
