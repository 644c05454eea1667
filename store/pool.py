"""The connection pool the API and the read models share (the event store has its own, the library's)."""

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

# How long a request waits for a connection before it is told the database is unavailable (503), rather
# than hanging for the pool's default 30 s while the database restarts.
GET_TIMEOUT_SECONDS = 5.0


def open_pool(database_url: str, size: int = 5, name: str = "community-trigger") -> ConnectionPool:
    pool = ConnectionPool(
        database_url,
        min_size=1,
        max_size=size,
        kwargs={"row_factory": dict_row},
        name=name,
        open=False,
        timeout=GET_TIMEOUT_SECONDS,
    )
    pool.open(wait=True, timeout=30)
    return pool
