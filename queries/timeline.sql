-- timeline: Per socket, the moments of its life: opened, connect, connected or failed, first byte received, closed.
--
-- One row per socket (socket, accept, accept4) in the order they were opened: what a timeline
-- of connections draws (the report's "connections" chart). The connect phase runs from the
-- first connect() to its outcome (non-blocking connects followed to getsockopt SO_ERROR, a
-- second connect or the first I/O, as in `connections`); the first byte is the end of the
-- first receive that returned data; an error is the connect's failure, else the first
-- ECONNRESET, EPIPE, ETIMEDOUT or ECONNREFUSED of a send or receive. Times are ns since the
-- recording started; a socket still open at the end has no closed_ns.
--
-- Parameters: none
--
-- Columns:
--   trace          trace file (only when several traces are loaded)
--   pid            process
--   fd             descriptor number
--   proto          tcp, udp, unix/stream, …
--   role           client, accepted, listen, unconnected
--   peer           the other end: address:port, or a unix path
--   opened_ns      when the socket was created
--   connect_ns     when the first connect() was called (NULL without connect)
--   outcome_ns     when the connect's outcome was known (NULL without connect or outcome)
--   result         outcome of the last connect: connected, ECONNREFUSED, no answer, … (NULL without connect)
--   first_byte_ns  when the first received data arrived (end of that receive call)
--   closed_ns      when the socket was closed (NULL when open at the end)
--   error          the connect's failure, else the first I/O error (NULL when none)
WITH attempts AS (
    SELECT
        trace, pid, open_seq,
        min(ts_ns) AS connect_ns,
        arg_max(outcome_ns, seq) AS outcome_ns,
        arg_max(outcome, seq) AS result
    FROM connects
    GROUP BY trace, pid, open_seq
),
io AS (
    SELECT
        trace, pid, open_seq,
        min(ts_ns + coalesce(dur_ns, 0)) FILTER (WHERE dir = 'in' AND ret > 0) AS first_byte_ns,
        arg_min(errno, seq) FILTER (WHERE errno IN ('ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'))
            AS io_error
    FROM socket_calls
    GROUP BY trace, pid, open_seq
)
SELECT
    s.trace,
    s.pid,
    s.fd,
    s.proto,
    s.role,
    s.peer,
    s.opened_ns,
    a.connect_ns,
    a.outcome_ns,
    a.result,
    i.first_byte_ns,
    s.closed_ns,
    CASE WHEN a.result IS NOT NULL AND a.result <> 'connected' THEN a.result ELSE i.io_error END AS error
FROM sockets s
LEFT JOIN attempts a USING (trace, pid, open_seq)
LEFT JOIN io i USING (trace, pid, open_seq)
ORDER BY s.trace, s.opened_ns, s.pid, s.fd
