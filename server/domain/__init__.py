"""Business rules. Functions take `session` first, check rights, raise domain errors and never
commit; the route or job that calls them owns the transaction.

This package imports no web, template, queue or live-hub code (a test keeps it so)."""
