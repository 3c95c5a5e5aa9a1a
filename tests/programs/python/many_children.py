"""A Python parent forks children one after another; each connects (refused) once and exits."""
import os
import socket
import sys


def child_work(port: int) -> None:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))  # EXPECT child
    except OSError:
        pass


port = int(sys.argv[1])
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 5):
    pid = os.fork()
    if pid == 0:
        child_work(port)
        os._exit(0)
    os.waitpid(pid, 0)
