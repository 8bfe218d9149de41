"""RQ worker classes: they run only this system's job functions, and put themselves back in the worker
registry after a Redis flush.

- `AllowlistedJob`: RQ runs whatever function a job names; a job that names anything but a public function of
  `worker.jobs` fails (visibly, in the failed registry) instead of running, so write access to Redis is not
  code execution in the workers.
- RQ registers a worker once, at birth; after a FLUSHALL the worker keeps working but monitoring (`/health`,
  the operations panel, `rq info`) no longer sees it. Here every heartbeat checks the registration and
  restores it.
"""

from __future__ import annotations

import inspect

from rq import SimpleWorker, Worker, worker_registration
from rq.job import Job

from worker import jobs

# The job functions a worker may run: the public functions defined in worker/jobs.py.
ALLOWED_FUNCTIONS = frozenset(
    f"{jobs.__name__}.{name}"
    for name, value in vars(jobs).items()
    if inspect.isfunction(value) and value.__module__ == jobs.__name__ and not name.startswith("_")
)


class UnknownJobFunction(RuntimeError):
    """A job named a function outside worker.jobs."""


class AllowlistedJob(Job):
    @property
    def func(self):
        if self.func_name not in ALLOWED_FUNCTIONS:
            raise UnknownJobFunction(f"função de job não permitida: {self.func_name!r}")
        return super().func


class _Reregistering:
    job_class = AllowlistedJob

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
