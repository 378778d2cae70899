-- Records the ids of jobs whose scheduling facts changed (see common/V10__job_changes.sql).
-- PostgreSQL twin of db/migration/sqlite/V11__job_change_triggers.sql.
CREATE FUNCTION rap_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO job_changes (job_id) VALUES (OLD.id);
    RETURN OLD;
  END IF;
  INSERT INTO job_changes (job_id, state, status_code, cancelled)
    VALUES (NEW.id, NEW.state, NEW.status_code, NEW.cancelled);
  RETURN NEW;
END
$$;

CREATE FUNCTION rap_task_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_changes (job_id) VALUES (NEW.job_id);
  RETURN NEW;
END
$$;

CREATE TRIGGER job_inserted AFTER INSERT ON job
  FOR EACH ROW EXECUTE FUNCTION rap_job_changed();
CREATE TRIGGER job_deleted AFTER DELETE ON job
  FOR EACH ROW EXECUTE FUNCTION rap_job_changed();
-- not the keep-alive (updated_at) nor metrics or loop-error bookkeeping
CREATE TRIGGER job_status_changed AFTER UPDATE ON job
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
    OR OLD.status_code IS DISTINCT FROM NEW.status_code
    OR OLD.cancelled IS DISTINCT FROM NEW.cancelled)
  EXECUTE FUNCTION rap_job_changed();
CREATE TRIGGER runjob_inserted AFTER INSERT ON tasks
  FOR EACH ROW WHEN (NEW.type = 'runjob' AND NEW.job_id IS NOT NULL)
  EXECUTE FUNCTION rap_task_changed();
CREATE TRIGGER runjob_changed AFTER UPDATE ON tasks
  FOR EACH ROW WHEN (NEW.type = 'runjob' AND NEW.job_id IS NOT NULL AND (
    OLD.active IS DISTINCT FROM NEW.active
    OR OLD.agent_stage IS DISTINCT FROM NEW.agent_stage
    OR OLD.agent_complete IS DISTINCT FROM NEW.agent_complete
    OR OLD.agent_results IS DISTINCT FROM NEW.agent_results
    OR OLD.agent_timestamp_ns IS DISTINCT FROM NEW.agent_timestamp_ns
    OR OLD.job_id IS DISTINCT FROM NEW.job_id))
  EXECUTE FUNCTION rap_task_changed();
