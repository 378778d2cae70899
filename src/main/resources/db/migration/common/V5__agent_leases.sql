-- Several agents per backend (docs/spec/task-api.md section 8). A task handed to a named agent
-- is a lease: agent_id holds it until lease_expires_ms (UNIX milliseconds), renewed by that
-- agent's polls and updates; lease_token fences the claim (updates must carry it). When a lease
-- expires, the token is cleared and agent_id is kept (it names the lost agent). Tasks listed to
-- an agent that sends no id (the reference's agent) are never claimed: all three stay null.
ALTER TABLE tasks ADD COLUMN agent_id TEXT;
ALTER TABLE tasks ADD COLUMN lease_token BIGINT;
ALTER TABLE tasks ADD COLUMN lease_expires_ms BIGINT;
CREATE INDEX tasks_agent ON tasks (backend, agent_id) WHERE active = 1;
CREATE INDEX tasks_lease_token ON tasks (lease_token);

-- The named agents each backend has seen: their advertised capacity, the storage they found (the
-- ids of their storage markers) and when they last polled or reported. A row is kept after the agent goes away (the operator page shows it as lost).
CREATE TABLE agents (
  backend TEXT NOT NULL,
  id TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  storage_id TEXT,
  first_seen_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  PRIMARY KEY (backend, id)
);
