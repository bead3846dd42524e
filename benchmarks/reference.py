"""The yardstick every page is compared with, and the query counter.

The reference is the smallest honest Django page: one indexed query (the 20 newest
published posts, served by `practices_post_recent_idx`), 20 rows through a tiny
template, the full middleware stack. A page at 0.5x the reference costs twice as much
as that per request.
"""

from django.db import connection
from django.shortcuts import render

QUERY_COUNT_HEADER = "X-Bench-Queries"


def reference(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title, published_at FROM practices_post"
            " WHERE published_at IS NOT NULL ORDER BY published_at DESC LIMIT 20"
        )
        rows = cursor.fetchall()
    return render(request, "bench/reference.html", {"rows": rows})


class QueryCountMiddleware:
    """Puts the number of database queries the request made into a response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            # A streaming or lazily rendered body would query later; pages here are not.
        response[QUERY_COUNT_HEADER] = str(count)
        return response
