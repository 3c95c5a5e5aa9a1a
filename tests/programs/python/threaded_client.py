"""Two threads, each connecting (refused) from its own line."""
import socket
import sys
import threading


def first(port: int) -> None:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))  # EXPECT first
    except OSError:
        pass


def second(port: int) -> None:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))  # EXPECT second
    except OSError:
        pass


port = int(sys.argv[1])
for target in (first, second):
    t = threading.Thread(target=target, args=(port,))
    t.start()
    t.join()
