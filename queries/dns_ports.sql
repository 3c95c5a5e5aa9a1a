-- dns_ports: Server ports other than the one asked for whose traffic looks like DNS queries.
--
-- `dns` looks at one server port (53 by default). When it finds nothing, this query says where
-- DNS-shaped messages went instead (a local resolver on 5353, a test server on a high port), so
-- the user can ask again with --port N. A message looks like a DNS query when its captured
-- payload decodes as a DNS question (header and name, see rn_dns).
--
-- Parameters:
--   $port        the port `dns` looked at (default 53): other ports only
--
-- Columns:
--   trace        trace file (only when several traces are loaded)
--   port         the server port the DNS-shaped queries went to
--   queries      how many such messages were sent there
--   servers      the addresses they went to
SELECT
    trace,
    peer_port AS port,
    count(*) AS queries,
    list_sort(list(DISTINCT peer)) AS servers
FROM socket_messages
WHERE dir = 'out' AND ret > 0 AND data IS NOT NULL AND peer_port IS NOT NULL
  AND peer_port <> $port
  AND NOT coalesce(rn_dns(data, sock_type = 'stream').response, TRUE)
GROUP BY trace, peer_port
ORDER BY trace, queries DESC, port
