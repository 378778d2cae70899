-- rap/status returns each job's metrics from its latest RUNJOB task's results. Reading them
-- through the tasks table cost a correlated lookup (and a JSON parse) per job on every status
-- request; the job row now carries them, written in the agent update's transaction.
-- SQLite backfill (the PostgreSQL twin is db/migration/postgresql/V4__job_metrics.sql).
ALTER TABLE job ADD COLUMN metrics TEXT;
UPDATE job SET metrics = (
  SELECT CASE WHEN json_valid(t.agent_results) THEN
           CASE WHEN json_type(t.agent_results, '$.job_metrics') = 'object'
                THEN json_extract(t.agent_results, '$.job_metrics') END END
  FROM tasks t WHERE t.job_id = job.id AND t.type = 'runjob' ORDER BY t.id DESC LIMIT 1);
