"""All routes, one module per noun."""

from server.routes import (
    admin,
    auth,
    boards,
    cards,
    groups,
    health,
    knowledge,
    live,
    organisations,
    overview,
    pages,
    people,
    pledges,
    profile,
)

routes = [
    *pages.routes,
    *auth.routes,
    *organisations.routes,
    *overview.routes,
    *groups.routes,
    *boards.routes,
    *cards.routes,
    *pledges.routes,
    *knowledge.routes,
    *profile.routes,
    *people.routes,
    *admin.routes,
    *live.routes,
    *health.routes,
]
