"""A Python parent forks a Python child; each connects (refused) from its own line."""
import os
import socket
import sys


def attempt(port: int) -> None:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))  # EXPECT attempt
    except OSError:
        pass


def child_work(port: int) -> None:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))  # EXPECT child
    except OSError:
        pass


port = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    child_work(port)
    os._exit(0)
os.waitpid(pid, 0)
attempt(port)
