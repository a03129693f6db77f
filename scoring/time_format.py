"""How a time reads on every page: one format, the language's own (beautysite/formats), in the active zone.

Apart from `local_time` (which zone a reader has) so that models can write times without
importing the accounts service, which imports the models.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

TIME_FORMAT = "DATETIME_FORMAT"


def local_time_text(value: datetime, zone=None) -> str:
    """`value` as people read it, in `zone` (default: the active one): "3 Dec 2026, 16:36"."""
    return date_format(timezone.localtime(value, zone), TIME_FORMAT)
