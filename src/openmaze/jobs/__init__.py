"""Durable background jobs, kept in the database (`jobs` table).

Work that must outlive a request and survive a restart (an import started from the account
pages, a webhook's follow-up) is a row: `enqueue(conn, kind, payload, user_id=...)` inside the
caller's transaction, so the job exists exactly when the caller's write commits.

Handlers are registered per kind (`JobRegistry.register`) by whoever owns the work; this
package imports nothing above `openmaze.core`, so `create_app` (and the CLI, and tests) hand
it the registry. A `JobRunner` in every worker's lifespan polls for work:

- a job is claimed by one worker only, across workers and hosts: on PostgreSQL the claim
  selects its row `FOR UPDATE SKIP LOCKED`; on SQLite it is one `UPDATE ... WHERE id =
  (SELECT ...) AND <still claimable> RETURNING` in a write transaction (SQLite has one
  writer at a time, so two claims are serialised and the second finds the row taken);
- the claim is a lease: the running worker renews it while the handler works, and a job
  whose worker died is claimed again once its lease has expired (a restart resumes it);
  after `max_attempts` claims it is failed instead, so a job that kills its worker cannot
  loop forever;
- progress (done/total) and a JSON result or a person-readable error are stored on the job.

`run_pending` drains the queue in process (the CLI, tests).
"""

from openmaze.jobs.runner import JobContext, JobFailed, JobRegistry, JobRetry, JobRunner, run_pending
from openmaze.jobs.store import Job, enqueue, get_job, latest_job

__all__ = [
    "Job",
    "JobContext",
    "JobFailed",
    "JobRegistry",
    "JobRetry",
    "JobRunner",
    "enqueue",
    "get_job",
    "latest_job",
    "run_pending",
]
