"""The connection pool the API and the read models share (the event store has its own, the library's)."""

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def open_pool(database_url: str, size: int = 5, name: str = "community-trigger") -> ConnectionPool:
    pool = ConnectionPool(
        database_url, min_size=1, max_size=size, kwargs={"row_factory": dict_row}, name=name, open=False
    )
    pool.open(wait=True, timeout=30)
    return pool
