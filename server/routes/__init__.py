"""All routes, one module per noun."""

from server.routes import groups, health, live, organisations, pages

routes = [*pages.routes, *organisations.routes, *groups.routes, *live.routes, *health.routes]
