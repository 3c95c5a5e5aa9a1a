"""An asyncio client: the coroutine that awaits the connection reports its line."""
import asyncio
import sys


async def fetch(port: int) -> None:
    try:
        await asyncio.open_connection("127.0.0.1", port)  # EXPECT
    except OSError:
        pass


asyncio.run(fetch(int(sys.argv[1])))
