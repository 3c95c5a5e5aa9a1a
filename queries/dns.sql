-- dns: DNS queries: server, name, type, latency, answer code, timeouts and fallback to the next server.
--
-- Finds messages sent to and received from port 53 (or $port) on any socket — sendto/recvfrom
-- on an unconnected UDP socket, or send/recv after connect — and decodes the header and question
-- from the captured payload (a name cut by -s ends in "…"; over TCP the length prefix is
-- skipped). Each message of a sendmmsg or recvmmsg is a query or answer of its own: glibc's
-- resolver sends the A and AAAA questions together with one sendmmsg on a connected socket.
-- Each answer is paired with the latest query before it on the same socket with the same id
-- (one asking the same name and type first, should two share an id). A query left unanswered
-- is a timeout when the program retried it or closed the socket, and "no answer" when the
-- recording ended first. Attempts count consecutive unanswered tries of the same name and type
-- by one process, so a resolver that gives up on its primary server shows as attempt 1
-- "timeout" then attempt 2 answered by the next server, with a note.
--
-- Parameters:
--   $port        DNS server port (default 53)
--
-- Columns:
--   trace        trace file (only when several traces are loaded)
--   pid          process that asked
--   server       the server's address:port
--   name         queried name
--   type         query type: A, AAAA, PTR, …
--   sent_ns      when the query was sent, ns since the recording started
--   latency_ns   from sending the query to receiving its answer, ns (NULL without answer)
--   rcode        answer code: NOERROR, NXDOMAIN, SERVFAIL, … (NULL without answer)
--   answers      number of answer records
--   status       ok, error (answered with a failure code), timeout, no answer
--   waited_ns    for an unanswered query: how long until the retry, the close, or the end, ns
--   attempt      1 for the first try of a name and type, 2 for its first retry, …
--   note         retry and fallback: which server was tried next, or which one timed out before
WITH msgs AS (
    SELECT
        trace, pid, open_seq, seq, msg, ts_ns, dur_ns, dir, peer,
        rn_dns(data, sock_type = 'stream') AS m
    FROM socket_messages
    WHERE ret > 0 AND data IS NOT NULL AND peer_port = $port
),
queries AS (
    SELECT * FROM msgs WHERE dir = 'out' AND m IS NOT NULL AND NOT m.response
),
answers AS (
    SELECT * FROM msgs WHERE dir = 'in' AND m IS NOT NULL AND m.response
),
matched AS (
    SELECT q.trace, q.pid, q.seq AS q_seq, q.msg AS q_msg, a.seq AS a_seq, a.msg AS a_msg,
           a.ts_ns + a.dur_ns AS answered_ns, a.m AS am
    FROM answers a
    JOIN queries q
      ON q.trace = a.trace AND q.pid = a.pid AND q.open_seq = a.open_seq
     AND q.m.id = a.m.id AND q.seq < a.seq
    QUALIFY row_number() OVER (
        PARTITION BY a.trace, a.pid, a.seq, a.msg
        ORDER BY (q.m.name = a.m.name AND q.m.type = a.m.type) IS TRUE DESC, q.seq DESC, q.msg DESC) = 1
),
first_answers AS (
    SELECT * FROM matched
    QUALIFY row_number() OVER (PARTITION BY trace, pid, q_seq, q_msg ORDER BY a_seq, a_msg) = 1
),
closes AS (
    SELECT trace, pid, open_seq, min(ts_ns) AS closed_ns
    FROM socket_calls
    WHERE name = 'close'
    GROUP BY trace, pid, open_seq
),
ends AS (
    SELECT trace, max(ts_ns + coalesce(dur_ns, 0)) AS end_ns FROM events GROUP BY trace
),
joined AS (
    SELECT q.*, f.answered_ns, f.am, c.closed_ns, e.end_ns,
           -- Resolutions: a new one starts after each answered query of the same name and type.
           coalesce(sum(CASE WHEN f.am IS NOT NULL THEN 1 ELSE 0 END) OVER (
               PARTITION BY q.trace, q.pid, q.m.name, q.m.type ORDER BY q.seq, q.msg
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS resolution
    FROM queries q
    LEFT JOIN first_answers f ON f.trace = q.trace AND f.pid = q.pid AND f.q_seq = q.seq AND f.q_msg = q.msg
    LEFT JOIN closes c ON c.trace = q.trace AND c.pid = q.pid AND c.open_seq = q.open_seq AND c.closed_ns > q.ts_ns
    LEFT JOIN ends e ON e.trace = q.trace
),
ordered AS (
    SELECT *,
           row_number() OVER w AS attempt,
           lead(ts_ns) OVER w AS retry_ns,
           lead(peer) OVER w AS retry_server,
           lag(peer) OVER w AS previous_server
    FROM joined
    WINDOW w AS (PARTITION BY trace, pid, m.name, m.type, resolution ORDER BY seq, msg)
)
SELECT
    trace,
    pid,
    peer AS server,
    m.name AS name,
    m.type AS type,
    ts_ns AS sent_ns,
    answered_ns - ts_ns AS latency_ns,
    am.rcode AS rcode,
    am.answers AS answers,
    CASE
        WHEN am IS NOT NULL AND am.rcode = 'NOERROR' THEN 'ok'
        WHEN am IS NOT NULL THEN 'error'
        WHEN retry_ns IS NOT NULL OR closed_ns IS NOT NULL THEN 'timeout'
        ELSE 'no answer'
    END AS status,
    CASE WHEN am IS NULL THEN coalesce(retry_ns, closed_ns, end_ns) - ts_ns END AS waited_ns,
    attempt,
    CASE
        WHEN am IS NULL AND retry_server IS NOT NULL AND retry_server <> peer
            THEN 'no answer; retried on ' || retry_server
        WHEN am IS NULL AND retry_ns IS NOT NULL THEN 'no answer; retried'
        WHEN attempt > 1 AND previous_server <> peer THEN 'fallback: ' || previous_server || ' did not answer'
        WHEN attempt > 1 THEN 'retry'
    END AS note
FROM ordered
ORDER BY trace, sent_ns, seq, msg
