-- The scheduler keeps the active jobs in memory and, on each pass, re-reads only the jobs that
-- changed since the last one. Every write that can change a scheduling decision (a job created,
-- cancelled or deleted, its state or code changed, its RUNJOB task created or reported on) adds
-- the job's id here, by trigger (V11), whichever process made it: the API, an agent update, an
-- operator command, another controller. The scheduler holding the loop lock consumes the rows
-- (DELETE ... RETURNING); a scheduler that takes the lock over clears them and reads everything.
-- For a change of the job row, the row's new state, code and cancel request: a change that leaves
-- them as the scheduler last wrote them (its own write) need not be read back.
CREATE TABLE job_changes (
  job_id TEXT NOT NULL,
  state TEXT,
  status_code TEXT,
  cancelled INTEGER
);
-- The 60-second keep-alive of updated_at selects the least recently updated active jobs: with
-- this index that costs the jobs due, not every active job.
CREATE INDEX job_active_updated ON job (updated_at, id) WHERE state IN ('pending', 'running');
