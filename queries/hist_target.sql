-- hist_target: Latency histogram per peer address: how long socket calls to each target took, in log2 (or linear) buckets.
--
-- As `hist`, for the calls on sockets (socket_calls), one histogram per peer address:port (a
-- unix socket's path; "fd N" for a socket with no known peer). Durations are cut to whole units
-- of $unit_ns; log2 buckets [2^k, 2^(k+1)) and [0, 1), or linear ones $step units wide. Only
-- non-empty buckets are returned; the CLI fills the gaps.
--
-- Parameters:
--   $name      only this syscall (default: every socket call)
--   $unit_ns   the unit durations are cut to, ns (default 1000: µs)
--   $step      linear buckets this many units wide (default: log2 buckets)
--
-- Columns:
--   trace      trace file (only when several traces are loaded)
--   key        the peer address:port, path, or fd N
--   lo         bucket start, in units (inclusive)
--   hi         bucket end, in units (exclusive)
--   count      calls whose duration falls in [lo, hi)
WITH counted AS (
    SELECT
        trace,
        coalesce(rn_endpoint(peer_family, peer_addr, peer_port), 'fd ' || fd) AS key,
        dur_ns // $unit_ns AS v,
        count(*) AS n
    FROM socket_calls
    WHERE dur_ns >= 0 AND ($name IS NULL OR name = $name)
    GROUP BY ALL
)
SELECT
    trace,
    key,
    rn_hist_lo(v, $step) AS lo,
    rn_hist_hi(rn_hist_lo(v, $step), $step) AS hi,
    sum(n)::BIGINT AS count
FROM counted
GROUP BY ALL
ORDER BY trace, key, lo
