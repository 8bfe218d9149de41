"""The dispatcher: comments that arrive a few at a time are classified in groups, not one RQ job each.

An enqueue of at most DISPATCH_THRESHOLD ids pushes them to a Redis list and, in the same atomic step (one Lua
script, one round trip), "arms" a drain job unless one is already waiting in the queue. A drain job
(`worker.jobs.drain_dispatch`) pops up to DISPATCH_BATCH_SIZE ids atomically and, in that same step, arms the
next drain job while the list is not empty, so the next free worker takes the following group while this one
classifies: a burst spreads over every worker, and at most one drain job waits in the queue at any time.

Redis holds only work that PostgreSQL can rebuild. Ids popped by a worker that dies, or lost in a Redis flush,
belong to comments still `pendente`/`processando` in PostgreSQL: the reconciler (`requeue.reconcile`) enqueues
them again, and the classify job's claim (state checked under a row lock) never classifies a comment twice.

Keys (per queue): `alumusic:despacho:<fila>` (the ids, a list) and `alumusic:despacho:<fila>:job` (the id of the
drain job that will empty it). A drain job is a regular RQ job: its hash is built by RQ (`Job.to_dict`) once per
process, kept in Redis as a template and copied by the script, so workers, registries and `rq info` see it as
any other job.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from enum import Enum

from redis import Redis
from redis.commands.core import Script
from rq import Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.utils import now, utcformat

DRAIN_JOB = "worker.jobs.drain_dispatch"
DRAIN_JOB_TIMEOUT_SECONDS = 900  # one drain job classifies at most one classify chunk, like a classify job
KEY_PREFIX = "alumusic:despacho:"
# A backstop only: the armed marker names a waiting job, and a marker whose job is no longer waiting is replaced.
ARMED_TTL_SECONDS = 3600

# The drain job's hash (the fields RQ writes for it, without timestamps) is kept in Redis once (`template_key`),
# so a push sends only the ids: the script copies the template when it arms a job. After a Redis flush the script
# finds no template and changes nothing (returns -1): the caller stores the template again and repeats.
#
# ARGV: [1] new job id, [2] marker ttl, [3] job key prefix, [4] caller's own drain job id ("" for a push),
# [5] count (ids pushed, or ids to pop), [6] timestamp, then the pushed ids.
# KEYS: [1] list of ids, [2] armed marker, [3] the RQ queue's list, [4] RQ's set of queues, [5] the job template.
_ARM = """
local function arm()
  local current = redis.call('GET', KEYS[2])
  if current and current ~= ARGV[4] and redis.call('HGET', ARGV[3] .. current, 'status') == 'queued' then
    return 0
  end
  local job = ARGV[3] .. ARGV[1]
  redis.call('HSET', job, unpack(redis.call('HGETALL', KEYS[5])))
  redis.call('HSET', job, 'created_at', ARGV[6], 'enqueued_at', ARGV[6])
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
  redis.call('SADD', KEYS[4], KEYS[3])
  redis.call('RPUSH', KEYS[3], ARGV[1])
  return 1
end
if redis.call('EXISTS', KEYS[5]) == 0 then
  return -1
end
"""
PUSH_SCRIPT = (
    _ARM
    + """
local n = tonumber(ARGV[5])
for i = 7, 6 + n, 500 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, 6 + n)))
end
return arm()
"""
)
POP_SCRIPT = (
    _ARM
    + """
local ids = redis.call('LPOP', KEYS[1], ARGV[5])
if redis.call('LLEN', KEYS[1]) > 0 then
  arm()
elseif redis.call('GET', KEYS[2]) == ARGV[4] then
  redis.call('DEL', KEYS[2])
end
return ids or {}
"""
)


def list_key(queue_name: str) -> str:
    return f"{KEY_PREFIX}{queue_name}"


def armed_key(queue_name: str) -> str:
    return f"{KEY_PREFIX}{queue_name}:job"


def template_key(queue_name: str) -> str:
    return f"{KEY_PREFIX}{queue_name}:modelo"


def _stamp() -> str:
    return utcformat(now())


def _field(value: object) -> bytes | str:
    if isinstance(value, Enum):
        value = value.value
    return value if isinstance(value, (bytes, str)) else str(value)


class Dispatcher:
    """The dispatcher of one RQ queue, on that queue's Redis connection. Cheap to build: the scripts and the job
    template are made once per process and queue name, whatever connection asks."""

    _shared: dict[tuple[int, str], tuple[Script, Script, dict[str, bytes | str]]] = {}
    _lock = threading.Lock()

    def __init__(self, queue: Queue):
        self.queue = queue
        self.connection: Redis = queue.connection
        self.keys = [
            list_key(queue.name),
            armed_key(queue.name),
            queue.key,
            Queue.redis_queues_keys,
            template_key(queue.name),
        ]
        key = (os.getpid(), queue.name)
        shared = self._shared.get(key)
        if shared is None:
            with self._lock:
                shared = self._shared[key] = (
                    self.connection.register_script(PUSH_SCRIPT),
                    self.connection.register_script(POP_SCRIPT),
                    self._job_template(),
                )
        self._push, self._pop, self._template = shared

    @classmethod
    def of(cls, queue: Queue) -> Dispatcher:
        return cls(queue)

    def _job_template(self) -> dict[str, bytes | str]:
        """The drain job's hash as RQ itself writes it, less the timestamps the script sets per job."""
        job = Job.create(
            DRAIN_JOB,
            connection=self.connection,
            serializer=JSONSerializer,
            timeout=DRAIN_JOB_TIMEOUT_SECONDS,
            result_ttl=600,
            failure_ttl=7 * 24 * 3600,
            description="despachar comentários recebidos aos poucos",
            origin=self.queue.name,
            status=JobStatus.QUEUED,
        )
        job.enqueued_at = now()
        fields = job.to_dict()
        for stamp in ("created_at", "enqueued_at"):
            fields.pop(stamp, None)
        return {key: _field(value) for key, value in fields.items()}

    def _run(self, script, own_job: str, count: int, ids: Sequence[str] = ()):
        args = [str(uuid.uuid4()), ARMED_TTL_SECONDS, Job.redis_job_namespace_prefix, own_job, count, _stamp(), *ids]
        reply = script(keys=self.keys, args=args, client=self.connection)
        if reply == -1:  # Redis lost the template (a flush): store it again and repeat, nothing was changed
            self.connection.hset(self.keys[4], mapping=self._template)
            reply = script(keys=self.keys, args=args, client=self.connection)
        return reply

    def push(self, ids: Sequence[str]) -> int:
        """Append `ids` and arm a drain job unless one is waiting. Returns 1 when a job was armed, else 0.
        Raises redis errors (the caller's rows stay `pendente`; the reconciler enqueues them)."""
        if not ids:
            return 0
        return int(self._run(self._push, "", len(ids), ids))

    def pop(self, own_job_id: str, size: int) -> list[str]:
        """Take up to `size` ids; arm the next drain job when ids remain, else drop the marker (if it is ours)."""
        popped = self._run(self._pop, own_job_id or "", max(1, size))
        return [i.decode() if isinstance(i, bytes) else str(i) for i in popped or []]

    def pending(self) -> int:
        """How many ids wait in the list (the operations panel, tests)."""
        return int(self.connection.llen(self.keys[0]))

    def waiting_ids(self) -> list[str]:
        return [i.decode() for i in self.connection.lrange(self.keys[0], 0, -1)]
