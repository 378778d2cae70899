-- The operator page lists the most recently completed failed jobs on every refresh.
CREATE INDEX job_failed_completed ON job (completed_at) WHERE state = 'failed';
