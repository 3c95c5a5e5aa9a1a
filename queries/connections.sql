-- connections: Per socket: peer, time to connect, bytes and calls each way, protocol, how it ended.
--
-- One row per socket a process created (socket, accept, accept4), in the order they were opened.
-- The protocol is read from the first payloads each way (up to 8, as captured with -s): TLS
-- (record version, and 1.3 told apart from 1.2 by what follows ServerHello), HTTP request line
-- and status, a WebSocket upgrade, DNS question and answer code, SSH. Non-blocking connects are
-- followed to their outcome (getsockopt SO_ERROR, a second connect, or the first I/O).
--
-- Parameters: none
--
-- Columns:
--   trace        trace file (only when several traces are loaded)
--   pid          process
--   fd           descriptor number
--   proto        tcp, udp, unix/stream, …
--   role         client (connected), accepted (from accept), listen, unconnected (sendto/recvfrom)
--   peer         the other end: address:port, or a unix path
--   local        local address:port, when bound or asked for (getsockname)
--   opened_ns    when the socket was created, ns since the recording started
--   connect_ns   time from connect() to knowing its outcome, ns
--   result       outcome of the last connect: connected, ECONNREFUSED, ETIMEDOUT, no answer, …
--   sends        successful send/write calls
--   bytes_out    bytes sent
--   recvs        successful receive/read calls (including end of file)
--   bytes_in     bytes received
--   protocol     protocol seen in the payloads: TLS 1.3, HTTP/1.1, WebSocket, DNS, …
--   detail       what the payloads say: request → status, TLS handshake steps, DNS question
--   ended        connect failed: …, reset (ECONNRESET), broken pipe (EPIPE), refused
--                (ECONNREFUSED), ETIMEDOUT, peer closed (EOF), closed, open at end of trace
--   duration_ns  from creation to close, ns (NULL when still open)
WITH io AS (
    SELECT
        trace, pid, open_seq,
        count(*) FILTER (WHERE dir = 'out' AND ret >= 0) AS sends,
        coalesce(sum(size) FILTER (WHERE dir = 'out' AND ret > 0), 0) AS bytes_out,
        count(*) FILTER (WHERE dir = 'in' AND ret >= 0) AS recvs,
        coalesce(sum(size) FILTER (WHERE dir = 'in' AND ret > 0), 0) AS bytes_in,
        min(seq) FILTER (WHERE dir = 'in' AND ret = 0 AND sock_type <> 'dgram') AS eof_seq,
        arg_min(errno, seq) FILTER (WHERE errno IN ('ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'))
            AS io_error
    FROM socket_calls
    GROUP BY trace, pid, open_seq
),
firsts AS (
    SELECT *, row_number() OVER (PARTITION BY trace, pid, open_seq, dir ORDER BY seq) AS k
    FROM socket_calls
    WHERE dir IS NOT NULL AND ret > 0 AND data IS NOT NULL
),
payloads AS (
    SELECT
        trace, pid, open_seq,
        list(data ORDER BY seq) FILTER (WHERE dir = 'out') AS sent,
        list(data ORDER BY seq) FILTER (WHERE dir = 'in') AS received
    FROM firsts
    WHERE k <= 8
    GROUP BY trace, pid, open_seq
),
attempts AS (
    SELECT
        trace, pid, open_seq,
        arg_max(outcome, seq) AS result,
        arg_max(outcome_ns - ts_ns, seq) AS connect_ns
    FROM connects
    GROUP BY trace, pid, open_seq
),
joined AS (
    SELECT
        s.*, a.connect_ns, a.result, i.sends, i.bytes_out, i.recvs, i.bytes_in, i.eof_seq, i.io_error,
        rn_protocol(p.sent, p.received, s.peer_port, s.role = 'accepted') AS tag
    FROM sockets s
    LEFT JOIN io i USING (trace, pid, open_seq)
    LEFT JOIN attempts a USING (trace, pid, open_seq)
    LEFT JOIN payloads p USING (trace, pid, open_seq)
)
SELECT
    trace,
    pid,
    fd,
    proto,
    role,
    peer,
    local,
    opened_ns,
    connect_ns,
    result,
    coalesce(sends, 0) AS sends,
    coalesce(bytes_out, 0)::BIGINT AS bytes_out,
    coalesce(recvs, 0) AS recvs,
    coalesce(bytes_in, 0)::BIGINT AS bytes_in,
    tag.protocol AS protocol,
    tag.detail AS detail,
    CASE
        WHEN result IS NOT NULL AND result <> 'connected' THEN 'connect failed: ' || result
        WHEN io_error = 'ECONNRESET' THEN 'reset (ECONNRESET)'
        WHEN io_error = 'EPIPE' THEN 'broken pipe (EPIPE)'
        WHEN io_error = 'ECONNREFUSED' THEN 'refused (ECONNREFUSED)'
        WHEN io_error IS NOT NULL THEN io_error
        WHEN eof_seq IS NOT NULL THEN 'peer closed (EOF)'
        WHEN closed_ns IS NOT NULL THEN 'closed'
        ELSE 'open at end of trace'
    END AS ended,
    closed_ns - opened_ns AS duration_ns
FROM joined
ORDER BY trace, opened_ns, pid, fd
