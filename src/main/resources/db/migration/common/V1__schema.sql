-- Initial schema, portable between SQLite and PostgreSQL (one repository layer serves both).
-- Timestamps are integer UNIX seconds, except *_ns (nanoseconds) and flags.timestamp_us
-- (microseconds). Booleans are 0/1 integers; JSON is stored as text.
CREATE TABLE job (
  id TEXT PRIMARY KEY,
  rap_id TEXT NOT NULL,
  state TEXT NOT NULL,
  repo_url TEXT NOT NULL,
  commit_sha TEXT NOT NULL,
  workspace TEXT NOT NULL,
  database_name TEXT,
  action TEXT NOT NULL,
  action_repo_url TEXT,
  action_commit TEXT,
  requires_outputs_from TEXT NOT NULL DEFAULT '[]',
  wait_for_job_ids TEXT NOT NULL DEFAULT '[]',
  run_command TEXT NOT NULL,
  output_spec TEXT NOT NULL DEFAULT '{}',
  status_message TEXT,
  status_code TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT,
  started_at BIGINT,
  completed_at BIGINT,
  trace_context TEXT,
  status_code_updated_at BIGINT NOT NULL,
  requires_db INTEGER NOT NULL DEFAULT 0,
  backend TEXT NOT NULL,
  branch TEXT,
  created_by TEXT,
  project TEXT,
  orgs TEXT NOT NULL DEFAULT '[]',
  analysis_scope TEXT NOT NULL DEFAULT '{}',
  loop_errors INTEGER NOT NULL DEFAULT 0,
  last_loop_error TEXT
);
CREATE INDEX job_rap_id ON job (rap_id);
CREATE INDEX job_active_state ON job (state) WHERE state IN ('pending', 'running');
CREATE INDEX job_workspace_action ON job (backend, workspace, action, created_at);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  backend TEXT NOT NULL,
  type TEXT NOT NULL,
  job_id TEXT,
  definition TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT,
  attributes TEXT NOT NULL DEFAULT '{}',
  agent_stage TEXT,
  agent_complete INTEGER,
  agent_results TEXT,
  agent_timestamp_ns BIGINT
);
CREATE INDEX tasks_active_backend ON tasks (backend, type) WHERE active = 1;
CREATE INDEX tasks_job ON tasks (job_id, type, id);
CREATE INDEX tasks_backend_type_finished ON tasks (backend, type, finished_at);

CREATE TABLE flags (
  id TEXT NOT NULL,
  value TEXT,
  backend TEXT NOT NULL,
  timestamp_us BIGINT,
  PRIMARY KEY (id, backend)
);
