"""Spreading requests over the worker processes: the least loaded worker accepts the next connection.

With one listening socket shared by forked workers, the kernel hands a new connection to whichever
worker calls `accept` first, whatever its queue: under steady load both workers are always busy, so
each connection goes to one of them at random and the queues drift apart (a random walk), which is
what a closed-loop client sees as its p99. Here every worker publishes its open connections (with
`Connection: close` on every reply, one per request in flight) in shared memory made before the
fork, and a worker only accepts while no other worker has fewer (join the shortest queue). A dead
worker's slot reads as full until its replacement publishes, so the survivors keep accepting.

`BalancedServer` is uvicorn's `Server` with its listening step replaced by that accept loop; the
connections it accepts are served by uvicorn's own HTTP protocol, as `create_server` would.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
from typing import Any

import uvicorn

FULL = 1 << 30
"""What a slot without a live worker reads as (never the least loaded)."""
RECHECK_S = 0.002
"""How long a worker that is not the least loaded waits before it looks again."""


class Loads:
    """Open connections per worker slot, in memory shared across `fork`."""

    def __init__(self, workers: int) -> None:
        self._load = multiprocessing.RawArray("i", [FULL] * workers)

    def __len__(self) -> int:
        return len(self._load)

    def publish(self, slot: int, load: int) -> None:
        self._load[slot] = load

    def vacate(self, slot: int) -> None:
        """The worker of `slot` died: it takes nothing until a new one publishes."""
        self._load[slot] = FULL

    def least_loaded(self, slot: int) -> bool:
        """Whether no other worker has fewer open connections than `slot` (ties: both may accept)."""
        mine = self._load[slot]
        return all(mine <= self._load[i] for i in range(len(self._load)) if i != slot)


class BalancedServer(uvicorn.Server):
    """uvicorn's server on a shared listening socket that accepts only while it is the least loaded."""

    def __init__(self, config: uvicorn.Config, loads: Loads, slot: int) -> None:
        super().__init__(config)
        self.loads, self.slot = loads, slot
        self._accepting: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not sockets:
            raise ValueError("BalancedServer serves the shared listening socket it is given")
        await self.lifespan.startup()
        self.servers = []
        for sock in sockets:
            sock.setblocking(False)
        self.loads.publish(self.slot, 0)
        self._accepting = asyncio.get_running_loop().create_task(self._accept(sockets[0]))
        self.started = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._accepting is not None:
            self._accepting.cancel()
        await super().shutdown(sockets)

    def _protocol(self) -> Any:
        return self.config.http_protocol_class(config=self.config, server_state=self.server_state,  # type: ignore[call-arg]
                                               app_state=self.lifespan.state)

    async def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while not self.should_exit:
            self.loads.publish(self.slot, len(self.server_state.connections))
            if not self.loads.least_loaded(self.slot):
                await asyncio.sleep(RECHECK_S)
                continue
            try:
                conn, _ = sock.accept()
            except BlockingIOError:  # nothing waiting: until a connection comes, then look at the loads again
                await _readable(loop, sock, RECHECK_S * 5)
                continue
            except OSError:  # the client gave up before we accepted (ECONNABORTED, ...): the next one
                continue
            conn.setblocking(False)
            self.loads.publish(self.slot, len(self.server_state.connections) + 1)
            try:
                await loop.connect_accepted_socket(self._protocol, conn)
            except OSError:
                conn.close()


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket, timeout: float) -> None:
    """Wait until `sock` has a connection to accept, or `timeout`. The reader is registered only while
    waiting (a level-triggered reader left on a socket that another worker should serve would spin the
    event loop), and accepting stays with the caller, so a timeout never drops an accepted connection."""
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        pass
    finally:
        loop.remove_reader(sock.fileno())
