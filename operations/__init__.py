"""Operations: health and readiness routes, worker heartbeats, server probes, outages, Prometheus metrics."""
