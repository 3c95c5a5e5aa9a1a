-- slow: The slowest calls, with their target and source location.
--
-- The $top longest calls (of syscall $name, when given), longest first. The target is the
-- address a call names, else its path, else what its descriptor is: the socket's peer or the
-- path it was opened from. The source location is filled when the trace was recorded with
-- --source.
--
-- Parameters:
--   $top       how many calls (default 20)
--   $name      only this syscall (default: every syscall)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   seq        the call's sequence number in its trace
--   at_ns      when it started, ns since the recording started
--   pid        process
--   tid        thread
--   syscall    syscall name
--   dur_ns     how long it took, ns
--   result     return value, or -ERRNO
--   target     peer address:port, path, or fd N
--   source     file:line in function, when recorded with --source
WITH top AS MATERIALIZED (
    SELECT *
    FROM syscalls
    WHERE dur_ns IS NOT NULL AND ($name IS NULL OR name = $name)
    ORDER BY dur_ns DESC, trace, seq
    LIMIT $top
),
descriptors AS (
    SELECT t.trace, t.seq, o.seq AS open_seq, o.path AS open_path
    FROM top t
    ASOF JOIN fd_opens o ON t.trace = o.trace AND t.pid = o.pid AND t.fd = o.fd AND t.seq >= o.seq
)
SELECT
    t.trace,
    t.seq,
    t.ts_ns AS at_ns,
    t.pid,
    t.tid,
    t.name AS syscall,
    t.dur_ns,
    CASE WHEN t.errno IS NOT NULL THEN '-' || t.errno ELSE t.ret::VARCHAR END AS result,
    coalesce(rn_endpoint(t.family, t.addr, t.port), t.path, k.peer, d.open_path,
             CASE WHEN t.fd IS NOT NULL THEN 'fd ' || t.fd END) AS target,
    rn_source(t.src_file, t.src_line, t.src_func) AS source
FROM top t
LEFT JOIN descriptors d ON d.trace = t.trace AND d.seq = t.seq
LEFT JOIN sockets k ON k.trace = t.trace AND k.pid = t.pid AND k.open_seq = d.open_seq
ORDER BY t.dur_ns DESC, t.trace, t.seq
