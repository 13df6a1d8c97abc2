"""All routes, one module per noun."""

from server.routes import (
    admin,
    auth,
    boards,
    groups,
    health,
    live,
    organisations,
    pages,
    people,
    profile,
)

routes = [
    *pages.routes,
    *auth.routes,
    *organisations.routes,
    *groups.routes,
    *boards.routes,
    *profile.routes,
    *people.routes,
    *admin.routes,
    *live.routes,
    *health.routes,
]
