-- Records the ids of jobs whose scheduling facts changed (see common/V10__job_changes.sql).
-- SQLite twin of db/migration/postgresql/V11__job_change_triggers.sql.
CREATE TRIGGER job_inserted AFTER INSERT ON job
BEGIN
  INSERT INTO job_changes (job_id, state, status_code, cancelled)
    VALUES (NEW.id, NEW.state, NEW.status_code, NEW.cancelled);
END;
CREATE TRIGGER job_deleted AFTER DELETE ON job
BEGIN
  INSERT INTO job_changes (job_id) VALUES (OLD.id);
END;
-- not the keep-alive (updated_at) nor metrics or loop-error bookkeeping
CREATE TRIGGER job_status_changed AFTER UPDATE ON job
  WHEN OLD.state IS NOT NEW.state
    OR OLD.status_code IS NOT NEW.status_code
    OR OLD.cancelled IS NOT NEW.cancelled
BEGIN
  INSERT INTO job_changes (job_id, state, status_code, cancelled)
    VALUES (NEW.id, NEW.state, NEW.status_code, NEW.cancelled);
END;
CREATE TRIGGER runjob_inserted AFTER INSERT ON tasks
  WHEN NEW.type = 'runjob' AND NEW.job_id IS NOT NULL
BEGIN
  INSERT INTO job_changes (job_id) VALUES (NEW.job_id);
END;
CREATE TRIGGER runjob_changed AFTER UPDATE ON tasks
  WHEN NEW.type = 'runjob' AND NEW.job_id IS NOT NULL AND (
    OLD.active IS NOT NEW.active
    OR OLD.agent_stage IS NOT NEW.agent_stage
    OR OLD.agent_complete IS NOT NEW.agent_complete
    OR OLD.agent_results IS NOT NEW.agent_results
    OR OLD.agent_timestamp_ns IS NOT NEW.agent_timestamp_ns
    OR OLD.job_id IS NOT NEW.job_id)
BEGIN
  INSERT INTO job_changes (job_id) VALUES (NEW.job_id);
END;
