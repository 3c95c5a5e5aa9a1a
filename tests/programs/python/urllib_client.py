"""urllib.request against a closed 127.0.0.1 port (refused)."""
import sys
import urllib.error
import urllib.request


def get(port: int) -> None:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # EXPECT
    except urllib.error.URLError:
        pass


get(int(sys.argv[1]))
