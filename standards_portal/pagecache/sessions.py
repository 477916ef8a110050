"""Django's database sessions, read together with the page cache's generation.

The session is read on every signed-in request anyway; the same query returns the
generation (see `freshness`), so the signed-in person and whole pages can be served from
memory without another query to check that nothing changed.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .models import GENERATION_ID, Generation


class SessionStore(db.SessionStore):
    page_generation = None

    def _get_session_from_db(self):
        connection = connections[router.db_for_read(self.model)]
        qn = connection.ops.quote_name
        sql = (
            f"SELECT s.{qn('session_data')}, "  # noqa: S608 - names quoted, values bound
            f"(SELECT g.{qn('value')} FROM {qn(Generation._meta.db_table)} g "
            f"WHERE g.{qn('id')} = %s) "
            f"FROM {qn(self.model._meta.db_table)} s "
            f"WHERE s.{qn('session_key')} = %s AND s.{qn('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [GENERATION_ID, self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        self.page_generation = row[1]
        return self.model(session_key=self.session_key, session_data=row[0])
