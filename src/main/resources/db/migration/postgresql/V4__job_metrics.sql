-- rap/status returns each job's metrics from its latest RUNJOB task's results. Reading them
-- through the tasks table cost a correlated lookup (and a JSON parse) per job on every status
-- request; the job row now carries them, written in the agent update's transaction.
-- PostgreSQL backfill (the SQLite twin is db/migration/sqlite/V4__job_metrics.sql).
ALTER TABLE job ADD COLUMN metrics TEXT;
UPDATE job SET metrics = (
  SELECT CASE WHEN json_typeof(t.agent_results::json -> 'job_metrics') = 'object'
              THEN (t.agent_results::json -> 'job_metrics')::text END
  FROM tasks t WHERE t.job_id = job.id AND t.type = 'runjob' ORDER BY t.id DESC LIMIT 1);
