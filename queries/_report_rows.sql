-- _report_rows: the rows the report's network and error sections read, out of every event.
--
-- Not a canned query: `report` keeps these rows in a temporary table and runs `timeline`,
-- `connections`, `refused`, `dns` and `errors` on them, which gives the same answers as on every
-- event (tests/analyze/test_report.py checks it) at a fraction of the cost on a big trace whose
-- calls are mostly file or pipe I/O. Kept: every non-syscall event (signals, exits), failed
-- calls, calls that created a descriptor (the ASOF joins find each call's opening there),
-- process creation and exec (procs: who ran what), every call on a descriptor number that was
-- ever a socket in its process (a superset of the socket views' own semi-join), and each trace's
-- last event to end (dns: how long an unanswered query waited until the end).
--
-- The report first fills two small tables, so that the filter over every event is cheap
-- predicates and hash probes (a per-row list_contains over syscall names costs ~1 s on ten
-- million rows):
--   rn_report_socket_fds  (trace, pid, fd) of every socket descriptor
--   rn_report_seqs        (trace, seq) of every call that created a descriptor (fd_opens), and
--                         of each trace's last event to end
-- Two steps: which rows (reading a few narrow columns), then those rows whole; one filter that
-- also carried every column of every row through its joins costs three times as much.
WITH kept AS (
    SELECT trace, seq
    FROM events e
    WHERE e.kind <> 'syscall'
       OR e.errno IS NOT NULL
       OR e.name IN ('execve', 'execveat', 'clone', 'clone3', 'fork', 'vfork')
       OR EXISTS (SELECT 1 FROM rn_report_socket_fds s WHERE s.trace = e.trace AND s.pid = e.pid AND s.fd = e.fd)
    UNION
    SELECT trace, seq FROM rn_report_seqs
)
SELECT *
FROM events
SEMI JOIN kept USING (trace, seq)
