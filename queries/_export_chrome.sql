-- _export_chrome: every event of the loaded traces in recording order, for `export --format chrome`.
--
-- Not a canned query: the exporter streams these rows into Trace Event JSON.
SELECT
    trace, pid, tid, kind, name, ts_ns, dur_ns, ret, errno, fd,
    rn_endpoint(family, addr, port) AS peer, path, size
FROM events
ORDER BY trace, seq
