"""`/healthz`: is the app able to serve? Checks the database and Redis."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CHECK_SECONDS = 3.0


async def _check_database(request: Request) -> str:
    async with request.app.state.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return "ok"


async def _check_redis(request: Request) -> str:
    await request.app.state.redis.ping()
    return "ok"


async def _run(check: object, request: Request) -> str:
    try:
        return await asyncio.wait_for(check(request), CHECK_SECONDS)  # type: ignore[operator]
    except TimeoutError:
        return "unavailable: no answer within 3 seconds"
    except Exception as exc:  # any failure is a reason to report, not to crash
        return f"unavailable: {type(exc).__name__}: {exc}"[:300]


async def healthz(request: Request) -> Response:
    database, redis = await asyncio.gather(
        _run(_check_database, request), _run(_check_redis, request)
    )
    healthy = database == "ok" and redis == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "redis": redis},
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/healthz", healthz, name="healthz")]
