"""A blocking client: connect to a closed port on 127.0.0.1 (refused)."""
import socket
import sys


def connect_to_server(port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port))  # EXPECT
    except OSError:
        pass


connect_to_server(int(sys.argv[1]))
