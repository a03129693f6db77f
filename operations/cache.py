"""Django's own cache backends, counting gets, hits and misses into django-prometheus's cache series.

django-prometheus ships such wrappers for locmem and for django-redis, not for Django's own Redis
backend (the one CACHE_URL=redis://... selects), and its locmem one answers a cached 0 or "" as a
miss; these count the same series for both, and return exactly what the backend returns.
"""

from django.core.cache.backends.locmem import LocMemCache as DjangoLocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total

_MISSING = object()


class _Counting:
    metrics_label = ""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_label).inc()
        value = super().get(key, _MISSING, version=version)
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_label).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_label).inc()
        return value


class LocMemCache(_Counting, DjangoLocMemCache):
    metrics_label = "locmem"


class RedisCache(_Counting, DjangoRedisCache):
    metrics_label = "redis"
