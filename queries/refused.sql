-- refused: Refused connections: each address that refused, how often, when, and who tried.
--
-- A connection is refused when connect() fails with ECONNREFUSED (blocking sockets) or, for a
-- non-blocking socket (curl, event loops), when connect() = -EINPROGRESS and what the program
-- learns afterwards is ECONNREFUSED: getsockopt(fd, SOL_SOCKET, SO_ERROR) = [ECONNREFUSED], a
-- second connect(), or the first send/receive failing. A send or receive on a UDP socket failing
-- with ECONNREFUSED (an ICMP port unreachable) counts against the socket's peer.
--
-- Parameters: none
--
-- Columns:
--   trace       trace file (only when several traces are loaded)
--   target      address:port that refused (a path for unix sockets)
--   proto       tcp, udp, unix/stream, …
--   refused     how many attempts were refused
--   first_ns    first refusal, ns since the recording started
--   last_ns     last refusal, ns since the recording started
--   learned_by  how the program found out: connect, getsockopt SO_ERROR, sendto, recvfrom, …
--   pids        the processes that tried
--   process     command line of the first process that was refused
--   source      where the program made the refused calls (file:line in function; several
--               joined by "; "), with --source
WITH refusals AS (
    SELECT trace, pid, target, proto, outcome_ns AS at_ns, learned_by, seq
    FROM connects
    WHERE outcome = 'ECONNREFUSED'
    UNION ALL
    SELECT trace, pid, peer, proto, ts_ns + coalesce(dur_ns, 0), name, seq
    FROM socket_calls
    WHERE errno = 'ECONNREFUSED' AND name <> 'connect' AND sock_type = 'dgram'
)
SELECT
    r.trace,
    r.target,
    r.proto,
    count(*) AS refused,
    min(r.at_ns) AS first_ns,
    max(r.at_ns) AS last_ns,
    string_agg(DISTINCT r.learned_by, ', ' ORDER BY r.learned_by) AS learned_by,
    list_sort(list(DISTINCT r.pid)) AS pids,
    arg_min(p.command, r.at_ns) AS process,
    string_agg(DISTINCT rn_source(s.src_file, s.src_line, s.src_func), '; ') AS source
FROM refusals r
LEFT JOIN procs p ON p.trace = r.trace AND p.pid = r.pid
LEFT JOIN syscalls s ON s.trace = r.trace AND s.seq = r.seq
GROUP BY r.trace, r.target, r.proto
ORDER BY r.trace, first_ns, r.target
