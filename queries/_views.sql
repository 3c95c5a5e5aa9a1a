-- _views: the views and macros every canned query (and the `sql` command) can use.
--
-- Not a canned query: the engine runs this file once per connection, after defining `events`
-- (every row of every loaded trace: the columns of trace schema v1, plus `trace`, the trace's
-- file name, and any hive partition columns) and the metadata tables `trace_info` (one row per
-- trace) and `trace_processes` (each trace's process table). Functions named rn_* that are not
-- macros here are Python functions the engine registers (analyze/payload.py).
--
-- A descriptor's life in a process starts at the call that returned it (socket, accept4,
-- openat, dup2, … : ``fd_opens``) and lasts until the next call that returns the same number in
-- the same process. Calls are tied to their descriptor's opening call with an ASOF join on seq,
-- after a semi-join keeps only descriptors of the kind wanted, so a trace of ten million reads of
-- an inherited stdin costs a hash probe, not a sort.
--
-- Views:
--   syscalls      every system call row (kind = 'syscall')
--   fd_opens      calls that created a descriptor, returned in `fd`
--   socket_calls  calls on sockets, with the socket's id `open_seq`, its peer and the direction
--   socket_messages  the messages socket calls sent or received, one row each: sendmmsg and
--                 recvmmsg calls become one row per message (`msg` its index in the call)
--   sockets       one row per socket: domain, type, role, peer, local address, receive timeout
--   file_calls    calls on descriptors opened from a path, with that `open_path`
--   connects      connection attempts and how they ended, including non-blocking connects
--                 whose outcome came later (getsockopt SO_ERROR, a second connect, first I/O)
--   procs         one row per process: parent, command (shell-quoted), tree position, threads, exit

-- address:port of an endpoint ([v6]:port for IPv6, the path for unix sockets).
CREATE OR REPLACE MACRO rn_endpoint(family, addr, port) AS
    CASE
        WHEN addr IS NULL OR addr = '' THEN NULL
        WHEN port IS NULL THEN addr
        WHEN family = 'AF_INET6' THEN '[' || addr || ']:' || port
        ELSE addr || ':' || port
    END;

-- Where the program made a call (--source): ``file:line in function`` as the text output shows
-- it, ``object in function`` without a line table, ``object+0xOFFSET`` without symbols; NULL
-- when the trace was recorded without --source.
CREATE OR REPLACE MACRO rn_source(file, line, func) AS
    CASE WHEN file IS NOT NULL OR func IS NOT NULL
         THEN ltrim(coalesce(file, '') || coalesce(':' || line::VARCHAR, '') || coalesce(' in ' || func, ''))
    END;

-- 'out' for calls that send or write a buffer, 'in' for calls that receive or read one.
CREATE OR REPLACE MACRO rn_direction(name) AS
    CASE
        WHEN name IN ('write', 'writev', 'pwrite64', 'pwritev', 'pwritev2', 'send', 'sendto',
                      'sendmsg', 'sendmmsg', 'sendfile') THEN 'out'
        WHEN name IN ('read', 'readv', 'pread64', 'preadv', 'preadv2', 'recv', 'recvfrom',
                      'recvmsg', 'recvmmsg') THEN 'in'
    END;

-- Address family names of socket()'s first argument.
CREATE OR REPLACE MACRO rn_family_name(n) AS
    CASE n
        WHEN 1 THEN 'AF_UNIX' WHEN 2 THEN 'AF_INET' WHEN 10 THEN 'AF_INET6'
        WHEN 16 THEN 'AF_NETLINK' WHEN 17 THEN 'AF_PACKET'
        ELSE 'AF_' || n
    END;

CREATE OR REPLACE VIEW syscalls AS
SELECT * FROM events WHERE kind = 'syscall';

CREATE OR REPLACE VIEW fd_opens AS
SELECT trace, pid, fd, seq, ts_ns, name, path, a0, a1, a2, a3, family, addr, port
FROM syscalls
WHERE fd IS NOT NULL AND ret >= 0 AND list_contains(getvariable('rn_fd_openers'), name);

-- Calls on sockets, before the per-socket facts are joined in.
CREATE OR REPLACE VIEW rn_socket_calls_raw AS
WITH socket_fds AS (
    SELECT DISTINCT trace, pid, fd FROM fd_opens WHERE name IN ('socket', 'accept', 'accept4')
),
candidates AS (
    SELECT * FROM syscalls SEMI JOIN socket_fds USING (trace, pid, fd)
)
SELECT c.*, o.seq AS open_seq, rn_direction(c.name) AS dir
FROM candidates c
ASOF JOIN fd_opens o ON c.trace = o.trace AND c.pid = o.pid AND c.fd = o.fd AND c.seq >= o.seq
WHERE o.name IN ('socket', 'accept', 'accept4');

CREATE OR REPLACE VIEW sockets AS
WITH opened AS (
    SELECT
        trace, pid, fd, seq AS open_seq, ts_ns AS opened_ns, name AS opened_by,
        CASE WHEN name = 'socket' THEN rn_family_name(a0::INTEGER) ELSE family END AS domain,
        CASE
            WHEN name <> 'socket' THEN 'stream'
            WHEN a1 & 15 = 1 THEN 'stream'
            WHEN a1 & 15 = 2 THEN 'dgram'
            WHEN a1 & 15 = 3 THEN 'raw'
            WHEN a1 & 15 = 5 THEN 'seqpacket'
            ELSE 'type ' || (a1 & 15)
        END AS type,
        CASE name WHEN 'socket' THEN a1 & 2048 <> 0 WHEN 'accept4' THEN a3 & 2048 <> 0 ELSE false END
            AS nonblocking,
        CASE WHEN name <> 'socket' THEN family END AS accept_family,
        CASE WHEN name <> 'socket' THEN addr END AS accept_addr,
        CASE WHEN name <> 'socket' THEN port END AS accept_port
    FROM fd_opens
    WHERE name IN ('socket', 'accept', 'accept4')
),
facts AS (
    SELECT
        trace, pid, open_seq,
        arg_min(family, seq) FILTER (WHERE name = 'connect' AND addr IS NOT NULL) AS connect_family,
        arg_min(addr, seq) FILTER (WHERE name = 'connect' AND addr IS NOT NULL) AS connect_addr,
        arg_min(port, seq) FILTER (WHERE name = 'connect' AND addr IS NOT NULL) AS connect_port,
        arg_min(family, seq) FILTER (WHERE dir IS NOT NULL AND addr IS NOT NULL) AS io_family,
        arg_min(addr, seq) FILTER (WHERE dir IS NOT NULL AND addr IS NOT NULL) AS io_addr,
        arg_min(port, seq) FILTER (WHERE dir IS NOT NULL AND addr IS NOT NULL) AS io_port,
        arg_min(rn_endpoint(family, addr, port), seq)
            FILTER (WHERE name IN ('bind', 'getsockname') AND ret = 0 AND addr IS NOT NULL) AS local,
        bool_or(name = 'listen' AND ret = 0) AS listening,
        bool_or(name = 'connect') AS connected,
        min(ts_ns) FILTER (WHERE name = 'close') AS closed_ns,
        -- SO_RCVTIMEO (20; 66 is its 64-bit-time twin) as last set on the socket. Decoded only
        -- on those calls: part 0 of other calls is something else (a msghdr, an mmsghdr array).
        arg_max(CASE WHEN name = 'setsockopt' AND a1 = 1 AND a2 IN (20, 66) THEN rn_mem_timeval_ns(mem, 0) END, seq)
            FILTER (WHERE name = 'setsockopt' AND a1 = 1 AND a2 IN (20, 66) AND ret = 0) AS rcvtimeo_ns
    FROM rn_socket_calls_raw
    GROUP BY trace, pid, open_seq
)
SELECT
    o.trace, o.pid, o.fd, o.open_seq, o.opened_ns, o.opened_by, o.domain, o.type, o.nonblocking,
    CASE
        WHEN o.domain IN ('AF_INET', 'AF_INET6') AND o.type = 'stream' THEN 'tcp'
        WHEN o.domain IN ('AF_INET', 'AF_INET6') AND o.type = 'dgram' THEN 'udp'
        WHEN o.domain IN ('AF_INET', 'AF_INET6') THEN o.type
        WHEN o.domain = 'AF_UNIX' THEN 'unix/' || o.type
        ELSE lower(replace(coalesce(o.domain, '?'), 'AF_', ''))
    END AS proto,
    CASE
        WHEN f.listening THEN 'listen'
        WHEN o.opened_by <> 'socket' THEN 'accepted'
        WHEN f.connected THEN 'client'
        ELSE 'unconnected'
    END AS role,
    coalesce(f.connect_family, o.accept_family, f.io_family) AS peer_family,
    coalesce(f.connect_addr, o.accept_addr, f.io_addr) AS peer_addr,
    coalesce(f.connect_port, o.accept_port, f.io_port) AS peer_port,
    rn_endpoint(coalesce(f.connect_family, o.accept_family, f.io_family),
                coalesce(f.connect_addr, o.accept_addr, f.io_addr),
                coalesce(f.connect_port, o.accept_port, f.io_port)) AS peer,
    f.local, f.closed_ns, f.rcvtimeo_ns
FROM opened o
JOIN facts f USING (trace, pid, open_seq);

CREATE OR REPLACE VIEW socket_calls AS
SELECT
    c.*,
    k.proto, k.role, k.type AS sock_type, k.nonblocking, k.rcvtimeo_ns,
    -- The peer a call talked to: its own sockaddr where it names the peer, else the socket's.
    CASE WHEN c.addr IS NOT NULL AND c.name NOT IN ('bind', 'getsockname') THEN c.family ELSE k.peer_family END
        AS peer_family,
    CASE WHEN c.addr IS NOT NULL AND c.name NOT IN ('bind', 'getsockname') THEN c.addr ELSE k.peer_addr END
        AS peer_addr,
    CASE WHEN c.addr IS NOT NULL AND c.name NOT IN ('bind', 'getsockname') THEN c.port ELSE k.peer_port END
        AS peer_port,
    CASE WHEN c.addr IS NOT NULL AND c.name NOT IN ('bind', 'getsockname')
         THEN rn_endpoint(c.family, c.addr, c.port) ELSE k.peer END AS peer
FROM rn_socket_calls_raw c
JOIN sockets k USING (trace, pid, open_seq);

-- One row per message a socket call sent or received (dir is set): a buffer call (send, recvfrom,
-- write, recvmsg, …) is one message, `msg` 0, with the call's `data`; a sendmmsg or recvmmsg call
-- is one row per message that went through (the first `ret`, at most 8 are captured), `msg` its
-- index in the call and `data` its bytes (mem part msg + 1, first -s bytes). `size` is then the
-- message's length for recvmmsg (the msg_len the kernel wrote, at offset 56 of each 64-byte
-- struct mmsghdr in part 0) and NULL for sendmmsg (captured at entry, before msg_len is set).
-- Every other column is the call's: a call's messages share seq, ts_ns and dur_ns, and their
-- peer is the call's (the first message's address, else the socket's, e.g. from connect()).
CREATE OR REPLACE VIEW socket_messages AS
WITH batched AS (
    SELECT *, unnest(range(least(ret, 8))) AS rn_i
    FROM socket_calls
    WHERE name IN ('sendmmsg', 'recvmmsg') AND ret > 0
),
messages AS (
    SELECT *,
           substring(hex(rn_mem_part(mem, 0)), (64 * rn_i + 56) * 2 + 1, 8) AS rn_len_hex
    FROM batched
)
SELECT *, 0 AS msg
FROM socket_calls
WHERE dir IS NOT NULL AND name NOT IN ('sendmmsg', 'recvmmsg')
UNION ALL BY NAME
SELECT * EXCLUDE (rn_i, rn_len_hex) REPLACE (
        rn_mem_part(mem, (rn_i + 1)::INTEGER) AS data,
        CASE WHEN name = 'recvmmsg' AND length(rn_len_hex) = 8 THEN
            ('0x' || rn_len_hex[7:8] || rn_len_hex[5:6] || rn_len_hex[3:4] || rn_len_hex[1:2])::BIGINT
        END AS size),
    rn_i AS msg
FROM messages;

CREATE OR REPLACE VIEW file_calls AS
WITH file_fds AS (
    SELECT DISTINCT trace, pid, fd FROM fd_opens WHERE name IN ('open', 'openat', 'openat2', 'creat')
),
candidates AS (
    SELECT * FROM syscalls SEMI JOIN file_fds USING (trace, pid, fd)
)
SELECT c.*, o.seq AS open_seq, o.path AS open_path, rn_direction(c.name) AS dir
FROM candidates c
ASOF JOIN fd_opens o ON c.trace = o.trace AND c.pid = o.pid AND c.fd = o.fd AND c.seq >= o.seq
WHERE o.name IN ('open', 'openat', 'openat2', 'creat');

CREATE OR REPLACE VIEW connects AS
WITH calls AS (
    SELECT *, lag(errno) OVER (PARTITION BY trace, pid, open_seq ORDER BY seq) AS prev_errno
    FROM socket_calls
    WHERE name = 'connect'
),
-- A connect() repeated while the previous one is pending only asks how it went.
attempts AS (
    SELECT *, lead(seq) OVER (PARTITION BY trace, pid, open_seq ORDER BY seq) AS next_attempt_seq
    FROM calls
    WHERE addr IS NOT NULL AND coalesce(prev_errno NOT IN ('EINPROGRESS', 'EALREADY'), true)
),
-- What each later call on the socket says about a pending connect.
evidence AS (
    SELECT
        trace, pid, open_seq, seq, ts_ns + coalesce(dur_ns, 0) AS at_ns,
        CASE WHEN name = 'getsockopt' THEN 'getsockopt SO_ERROR' ELSE name END AS learned_by,
        CASE
            WHEN name = 'getsockopt' AND a1 = 1 AND a2 = 4 AND ret = 0
                THEN coalesce(rn_errno_name(rn_mem_i32(mem, 0)), 'connected')
            WHEN name = 'connect' AND (ret = 0 OR errno = 'EISCONN') THEN 'connected'
            WHEN name = 'connect' AND errno NOT IN ('EINPROGRESS', 'EALREADY', 'EINTR') THEN errno
            WHEN dir IS NOT NULL AND ret >= 0 THEN 'connected'
            WHEN errno IN ('ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH',
                           'EPIPE', 'ECONNABORTED') THEN errno
        END AS outcome
    FROM socket_calls
    WHERE name <> 'connect' OR errno IS DISTINCT FROM 'EINPROGRESS'
),
pending AS (
    SELECT a.trace, a.seq, e.outcome, e.at_ns, e.learned_by
    FROM attempts a
    JOIN evidence e
      ON e.trace = a.trace AND e.pid = a.pid AND e.open_seq = a.open_seq
     AND e.seq > a.seq AND e.seq < coalesce(a.next_attempt_seq, 18446744073709551615::UBIGINT)
     AND e.outcome IS NOT NULL
    WHERE a.errno = 'EINPROGRESS'
    QUALIFY row_number() OVER (PARTITION BY a.trace, a.seq ORDER BY e.seq) = 1
)
SELECT
    a.trace, a.pid, a.tid, a.fd, a.open_seq, a.seq, a.ts_ns, a.dur_ns, a.family, a.addr, a.port,
    rn_endpoint(a.family, a.addr, a.port) AS target, a.proto, a.nonblocking, a.ret, a.errno,
    CASE
        WHEN a.ret = 0 THEN 'connected'
        WHEN a.errno <> 'EINPROGRESS' THEN a.errno
        ELSE coalesce(p.outcome, 'no answer')
    END AS outcome,
    CASE
        WHEN a.errno IS DISTINCT FROM 'EINPROGRESS' THEN a.ts_ns + a.dur_ns
        ELSE p.at_ns
    END AS outcome_ns,
    CASE WHEN a.errno IS DISTINCT FROM 'EINPROGRESS' THEN 'connect' ELSE p.learned_by END AS learned_by
FROM attempts a
LEFT JOIN pending p ON p.trace = a.trace AND p.seq = a.seq;

CREATE OR REPLACE VIEW procs AS
WITH RECURSIVE seen AS (
    SELECT trace, pid, min(ts_ns) AS first_ns, max(ts_ns) AS last_ns,
           count(DISTINCT tid) AS threads, count(*) FILTER (WHERE kind = 'syscall') AS syscalls
    FROM events
    GROUP BY trace, pid
),
execs AS (
    SELECT trace, pid, count(*) AS execs, arg_max(rn_argv(mem, 0), seq) AS argv,
           arg_max(path, seq) AS exe
    FROM syscalls
    WHERE name IN ('execve', 'execveat') AND ret = 0
    GROUP BY trace, pid
),
forks AS (
    SELECT s.trace, s.ret::INTEGER AS pid, arg_min(s.pid, s.seq) AS parent
    FROM syscalls s
    JOIN seen c ON c.trace = s.trace AND c.pid = s.ret::INTEGER
    WHERE s.name IN ('clone', 'clone3', 'fork', 'vfork') AND s.ret > 0 AND s.ret <> s.pid
    GROUP BY s.trace, s.ret
),
ends AS (
    SELECT trace, pid,
           coalesce(arg_max(kind, seq) FILTER (WHERE tid = pid), arg_max(kind, seq)) AS end_kind,
           coalesce(arg_max(ret, seq) FILTER (WHERE tid = pid), arg_max(ret, seq)) AS end_ret,
           coalesce(arg_max(name, seq) FILTER (WHERE tid = pid), arg_max(name, seq)) AS end_name,
           max(ts_ns) AS ended_ns
    FROM events
    WHERE kind IN ('exit', 'killed')
    GROUP BY trace, pid
),
base AS (
    SELECT
        coalesce(s.trace, m.trace) AS trace,
        coalesce(s.pid, m.pid) AS pid,
        coalesce(m.ppid, f.parent) AS ppid,
        coalesce(x.argv, m.command) AS own_command,
        coalesce(x.exe, m.exe) AS exe,
        coalesce(x.execs, 0) AS execs,
        coalesce(s.threads, 0) AS threads,
        coalesce(s.syscalls, 0) AS syscalls,
        s.first_ns, e.ended_ns,
        CASE e.end_kind
            WHEN 'exit' THEN 'exited ' || e.end_ret
            WHEN 'killed' THEN 'killed by ' || e.end_name || CASE WHEN e.end_ret = 1 THEN ' (core dumped)' ELSE '' END
        END AS exit,
        CASE WHEN e.end_kind = 'exit' THEN e.end_ret END AS exit_code
    FROM seen s
    FULL JOIN trace_processes m ON m.trace = s.trace AND m.pid = s.pid
    LEFT JOIN execs x ON x.trace = coalesce(s.trace, m.trace) AND x.pid = coalesce(s.pid, m.pid)
    LEFT JOIN forks f ON f.trace = coalesce(s.trace, m.trace) AND f.pid = coalesce(s.pid, m.pid)
    LEFT JOIN ends e ON e.trace = coalesce(s.trace, m.trace) AND e.pid = coalesce(s.pid, m.pid)
),
tree AS (
    SELECT b.*, 0 AS depth, [b.pid] AS lineage, b.own_command AS command
    FROM base b
    WHERE b.ppid IS NULL OR NOT EXISTS (
        SELECT 1 FROM base p WHERE p.trace = b.trace AND p.pid = b.ppid)
    UNION ALL
    -- A child that did not exec runs its parent's program.
    SELECT b.*, t.depth + 1, list_append(t.lineage, b.pid), coalesce(b.own_command, t.command)
    FROM base b
    JOIN tree t ON b.trace = t.trace AND b.ppid = t.pid
    WHERE t.depth < 64 AND NOT list_contains(t.lineage, b.pid)
)
SELECT trace, pid, ppid, depth, lineage, command, exe, execs, threads, syscalls, first_ns,
       ended_ns, exit, exit_code
FROM tree;

-- Histogram buckets (hist, hist_target): the start of the bucket holding v (whole units) — with
-- step, linear [n*step, (n+1)*step); without, bpftrace's log2 [2^k, 2^(k+1)), and [0, 1) for 0.
-- log2 of a double can be off by one next to a power of two: the shifts correct it exactly.
CREATE OR REPLACE MACRO rn_hist_lo(v, step) AS
    CASE
        WHEN step IS NOT NULL THEN (v // step) * step
        WHEN v = 0 THEN 0
        WHEN (1::BIGINT << floor(log2(v))::INTEGER) > v THEN 1::BIGINT << (floor(log2(v))::INTEGER - 1)
        WHEN (1::BIGINT << (floor(log2(v))::INTEGER + 1)) <= v THEN 1::BIGINT << (floor(log2(v))::INTEGER + 1)
        ELSE 1::BIGINT << floor(log2(v))::INTEGER
    END;

-- The end (exclusive) of the bucket that starts at lo.
CREATE OR REPLACE MACRO rn_hist_hi(lo, step) AS
    CASE WHEN step IS NOT NULL THEN lo + step WHEN lo = 0 THEN 1 ELSE lo * 2 END;

-- The project's one definition of a duration percentile (summary, summary_by_source,
-- diff_syscalls; the live `renacer -c` summary runs summary.sql): DuckDB's quantile_cont, linear
-- interpolation between the two nearest durations (numpy.percentile's default), at p50, p90, p99.
-- rn_duration_quantiles aggregates; rn_pct shows one of its list (q[1] = p50, q[2] = p90,
-- q[3] = p99) rounded to the nearest ns, and NULL under 2 completed calls: one duration is not a
-- distribution. The caller indexes the list: a literal index is what the Spark translation shifts
-- to Spark's 0-based arrays (an index passed into a macro would not be).
CREATE OR REPLACE MACRO rn_duration_quantiles(dur) AS quantile_cont(dur, [0.5, 0.9, 0.99]);

CREATE OR REPLACE MACRO rn_pct(value, completed) AS
    CASE WHEN completed >= 2 THEN round(value)::BIGINT END;

-- The diff queries (diff_runs, diff_syscalls, diff_targets): a trace's side, 'base' when its label
-- is in the list the diff command passes as $base, else 'head'; and a change in percent of base,
-- NULL when base is 0 or NULL.
CREATE OR REPLACE MACRO rn_side(base_traces, trace) AS
    CASE WHEN list_contains(base_traces, trace) THEN 'base' ELSE 'head' END;

CREATE OR REPLACE MACRO rn_change_pct(base, head) AS
    CASE WHEN base <> 0 THEN 100.0 * (head - base) / base END;
