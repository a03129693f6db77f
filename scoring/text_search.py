"""Searching names in any letter case, on every database the site runs on.

SQLite's LOWER and LIKE fold only ASCII letters: "ZOË" would not find "Zoë". PostgreSQL's LOWER
folds every letter of a UTF-8 database. So on SQLite each connection gets Python's str.lower as a
function, and a search lowers both sides with it (or with LOWER elsewhere).
"""

from django.db.backends.signals import connection_created
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.dispatch import receiver

SQLITE_LOWER = "unicode_lower"


class UnicodeLower(Lower):
    """LOWER that folds every letter, on SQLite too."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=SQLITE_LOWER, **extra_context)


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


@receiver(connection_created)
def sqlite_unicode_lower(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)


def containing(queryset: QuerySet, field: str, text: str) -> QuerySet:
    """The rows whose `field` contains `text`, letter case aside (any alphabet's)."""
    folded = f"{field}_lowered"
    return queryset.alias(**{folded: UnicodeLower(field)}).filter(**{f"{folded}__contains": text.lower()})
