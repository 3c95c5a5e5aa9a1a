-- errors: Failed calls by syscall, error and target, with the likely cause and a fix.
--
-- Every call that returned -errno, grouped by syscall, errno and target (the peer address of a
-- socket, the path of a file, else the descriptor). Non-blocking connects count under the error
-- learned later (getsockopt SO_ERROR = [ECONNREFUSED], …), or "no answer" when they never
-- completed. The network guide's patterns get their cause and fix: ECONNREFUSED, ETIMEDOUT,
-- ECONNRESET, EPIPE, EAGAIN on a socket with a receive timeout (SO_RCVTIMEO, known from the
-- setsockopt, or from a receive that waited 10 ms or more before failing: a descriptor that is
-- merely non-blocking fails at once), and two findings
-- that are not errors: a stream socket reading end of file (= 0), and many tiny receives on one
-- socket. Other errors show the C library's text. Known patterns come first, then by count.
--
-- Parameters:
--   $tiny_calls  receives on one socket that make 'tiny receives' (default 100)
--   $tiny_bytes  average receive size under which they are tiny (default 64 bytes)
--
-- Columns:
--   trace        trace file (only when several traces are loaded)
--   syscall      the call that failed (connect for a non-blocking connect)
--   error        errno name, or EAGAIN (SO_RCVTIMEO), no answer, EOF (= 0), tiny receives
--   target       peer address:port, path, or fd N
--   calls        how many calls
--   first_ns     first occurrence, ns since the recording started
--   last_ns      last occurrence, ns since the recording started
--   pids         processes concerned
--   cause        the likely cause
--   fix          what to do about it (NULL when there is no general advice)
--   source       where the program made the calls (file:line in function), with --source;
--                each location is a row of its own
WITH hints(error, rank, cause, fix) AS (
    VALUES
    ('ECONNREFUSED', 1,
     'nothing is listening at {target}: the server is not running, the address or port is wrong, or a firewall rejects the connection',
     'start the server or fix the address; check what listens with: ss -tlnp | grep :{port}'),
    ('ETIMEDOUT', 2,
     'no answer from {target}: network unreachable, a firewall dropping packets, or the server overloaded',
     'check routing and firewall rules between the hosts, and the server''s health'),
    ('no answer', 3,
     'the non-blocking connect to {target} never completed (EINPROGRESS, then nothing): packets dropped, or the server overloaded',
     'check routing and firewall rules (dropped SYNs) and the server''s health; the client''s connect timeout decides how long it waits'),
    ('ECONNRESET', 4,
     'the peer reset the connection ({target}): the server crashed, a proxy or load balancer killed the connection, or a TCP RST was sent',
     'check the server''s logs, and the proxy and load-balancer timeouts'),
    ('EPIPE', 5,
     'wrote to a connection the peer had already closed ({target})',
     'handle SIGPIPE (or send with MSG_NOSIGNAL) and check the connection state before writing; reconnect'),
    ('EAGAIN (SO_RCVTIMEO)', 6,
     'the receive waited {waited} and timed out: no data from {target} within the socket''s receive timeout (SO_RCVTIMEO: {timeout})',
     'raise SO_RCVTIMEO if the server is legitimately slow, otherwise find out why it is slow'),
    ('EOF (= 0)', 7,
     'the peer closed the connection ({target}): normal at the end of a response, a problem if it happens mid-stream',
     'if unexpected, check the server''s logs and its idle and keep-alive timeouts'),
    ('tiny receives', 8,
     '{calls} receives averaging {avg} bytes from {target}: reading in small chunks (inefficient buffering)',
     'read into a larger buffer (buffered I/O) and consider a larger SO_RCVBUF'),
    ('EHOSTUNREACH', 9, 'no route to the host {target}', 'check the routing table, the interface state and the firewall'),
    ('ENETUNREACH', 9, 'no route to the network of {target}', 'check the routing table and the interface state'),
    ('EADDRINUSE', 10, 'the address {target} is already in use by another socket',
     'stop the other listener or pick another port; SO_REUSEADDR for a restarting server'),
    ('EADDRNOTAVAIL', 10, 'the address {target} is not local to this host, or no ephemeral port was left',
     'bind to an address of this host; if ports ran out, reuse connections'),
    ('EACCES', 11, 'permission denied on {target}', 'check the owner and mode of the file, or the policy (firewall, LSM) for the socket'),
    ('EPERM', 11, 'operation not permitted on {target}: it needs a privilege, or a policy (seccomp, LSM) refused it',
     'run with the needed capability, or check the policy'),
    ('ENOTCONN', 12, 'the socket was not connected when used ({target})', 'connect first, and check the connect''s outcome'),
    ('EBADF', 12, 'the descriptor was not open ({target}): closed twice, or used after close', 'check which part of the program owns the descriptor'),
    ('EMFILE', 12, 'the process ran out of file descriptors', 'close descriptors that are no longer used, or raise the limit (ulimit -n)'),
    ('ENOENT', 20, 'no such file or directory: {target} (often harmless: programs probe search paths)',
     'if the program needed it, check the path and the working directory'),
    ('EAGAIN', 30, 'no data was ready at once on {target}: normal for a non-blocking descriptor in an event loop',
     'nothing, unless the count is huge (busy polling)'),
    ('EINTR', 30, 'a signal interrupted the call', 'nothing if the program retries the call (SA_RESTART or a loop)'),
    ('ENOTTY', 30, 'an ioctl for terminals on a descriptor that is not one ({target}): programs probe this', NULL),
    ('ESPIPE', 30, 'a seek on a pipe or socket ({target}): programs probe this', NULL),
    ('ECHILD', 30, 'no child left to wait for', NULL)
),
failed AS (
    SELECT trace, seq, pid, fd, name, errno, path, family, addr, port, ts_ns, dur_ns,
           rn_source(src_file, src_line, src_func) AS source
    FROM syscalls
    WHERE errno IS NOT NULL AND NOT (name = 'connect' AND errno IN ('EINPROGRESS', 'EALREADY'))
),
-- The descriptor each failed call used (looked up for the failed calls only).
failed_fds AS (
    SELECT f.trace, f.seq, o.seq AS open_seq, o.path AS open_path
    FROM failed f
    ASOF JOIN fd_opens o ON f.trace = o.trace AND f.pid = o.pid AND f.fd = o.fd AND f.seq >= o.seq
),
findings AS (
    SELECT
        f.trace,
        f.name AS syscall,
        CASE
            WHEN f.errno IN ('EAGAIN', 'EWOULDBLOCK') AND rn_direction(f.name) = 'in'
                 AND (k.rcvtimeo_ns > 0 OR f.dur_ns >= 10000000)
                THEN 'EAGAIN (SO_RCVTIMEO)'
            ELSE f.errno
        END AS error,
        coalesce(CASE WHEN f.name <> 'bind' THEN rn_endpoint(f.family, f.addr, f.port) END, k.peer, f.path,
                 x.open_path, CASE WHEN f.fd IS NOT NULL THEN 'fd ' || f.fd END) AS target,
        coalesce(f.port, k.peer_port) AS port,
        f.pid, f.ts_ns AS first_ns, f.ts_ns AS last_ns, 1 AS calls, k.rcvtimeo_ns, NULL::DOUBLE AS avg_bytes,
        f.dur_ns AS waited_ns, f.source
    FROM failed f
    LEFT JOIN failed_fds x ON x.trace = f.trace AND x.seq = f.seq
    LEFT JOIN sockets k ON k.trace = f.trace AND k.pid = f.pid AND k.open_seq = x.open_seq
    UNION ALL
    SELECT trace, 'connect', outcome, target, port, pid, coalesce(outcome_ns, ts_ns), coalesce(outcome_ns, ts_ns),
           1, NULL, NULL, NULL, NULL
    FROM connects
    -- outcomes learned from a failing call are already counted as that call's failure
    WHERE errno = 'EINPROGRESS' AND (learned_by = 'getsockopt SO_ERROR' AND outcome <> 'connected'
                                     OR outcome = 'no answer')
    UNION ALL
    SELECT trace, name, 'EOF (= 0)', peer, peer_port, pid, ts_ns, ts_ns, 1, NULL, NULL, NULL,
           rn_source(src_file, src_line, src_func)
    FROM socket_calls
    WHERE dir = 'in' AND ret = 0 AND sock_type = 'stream'
    UNION ALL
    SELECT trace, name, 'tiny receives', peer, peer_port, pid, min(ts_ns), max(ts_ns), count(*), NULL, avg(size),
           NULL, NULL
    FROM socket_calls
    WHERE dir = 'in' AND ret > 0
    GROUP BY trace, pid, open_seq, name, peer, peer_port
    HAVING count(*) >= $tiny_calls AND avg(size) < $tiny_bytes
),
grouped AS (
    SELECT
        trace, syscall, error, target, source,
        sum(calls) AS calls,
        min(first_ns) AS first_ns,
        max(last_ns) AS last_ns,
        list_sort(list(DISTINCT pid)) AS pids,
        any_value(port) AS port,
        max(rcvtimeo_ns) AS rcvtimeo_ns,
        avg(avg_bytes) AS avg_bytes,
        max(waited_ns) AS waited_ns
    FROM findings
    GROUP BY trace, syscall, error, target, source
)
SELECT
    g.trace,
    g.syscall,
    g.error,
    g.target,
    g.calls::BIGINT AS calls,
    g.first_ns,
    g.last_ns,
    g.pids,
    coalesce(
        replace(replace(replace(replace(replace(replace(h.cause,
            '{target}', coalesce(g.target, '?')),
            '{port}', coalesce(g.port::VARCHAR, '?')),
            '{timeout}', coalesce(printf('%g s', g.rcvtimeo_ns / 1e9),
                                  'its value is not in the trace, which does not show the setsockopt')),
            '{waited}', coalesce(printf('%.3g s', g.waited_ns / 1e9), 'a while')),
            '{calls}', g.calls::VARCHAR),
            '{avg}', coalesce(printf('%.1f', g.avg_bytes), '?')),
        rn_strerror(g.error)) AS cause,
    replace(replace(h.fix, '{target}', coalesce(g.target, '?')), '{port}', coalesce(g.port::VARCHAR, '?')) AS fix,
    g.source
FROM grouped g
LEFT JOIN hints h ON h.error = g.error
ORDER BY g.trace, coalesce(h.rank, 25), g.calls DESC, g.syscall, g.error, g.target, g.source
