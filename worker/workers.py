"""RQ worker classes that put themselves back in the worker registry after a Redis flush.

RQ registers a worker once, at birth; after a FLUSHALL the worker keeps working but monitoring (`/health`,
the operations panel, `rq info`) no longer sees it. Here every heartbeat checks the registration and restores it.
"""

from __future__ import annotations

from rq import SimpleWorker, Worker, worker_registration


class _Reregistering:
    def heartbeat(self, timeout: int | None = None, pipeline=None):
        super().heartbeat(timeout=timeout, pipeline=pipeline)
        if pipeline is None and not self.connection.sismember(worker_registration.REDIS_WORKER_KEYS, self.key):
            with self.connection.pipeline() as pipe:
                pipe.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipe)
                pipe.expire(self.key, timeout or self.worker_ttl + 60)
                pipe.execute()


class ForkingWorker(_Reregistering, Worker):
    """One work horse process per job (WORKER_FORK=true)."""


class InProcessWorker(_Reregistering, SimpleWorker):
    """Jobs run inside the worker process (default: model and connections stay warm)."""
