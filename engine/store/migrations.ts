// Schema migrations, in order. Migration i brings the database from user_version i to i + 1;
// each runs in its own transaction at open. Never edit a released migration: append one.

export const MIGRATIONS: readonly string[] = [
  // 1: agents, targets with an indexed label table, jobs, API keys.
  `
  CREATE TABLE agents (
    serial       TEXT PRIMARY KEY,
    hostname     TEXT NOT NULL,
    labels       TEXT NOT NULL DEFAULT '{}',
    local        INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  );

  CREATE TABLE targets (
    seq              INTEGER PRIMARY KEY, -- internal; the API uses id
    id               TEXT NOT NULL UNIQUE,
    service_id       INTEGER UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('HOST','TCP','HTTP','EMBEDDER','RERANKER','LLM')),
    address          TEXT NOT NULL,
    port             INTEGER,
    name             TEXT,
    provider         TEXT,
    model_identifier TEXT,
    labels           TEXT NOT NULL DEFAULT '{}',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  );
  CREATE INDEX targets_by_kind ON targets(kind);

  -- One row per (target, label): label filters are index range scans that yield target seqs
  -- in order, so a page of a filtered list reads only that page's targets.
  CREATE TABLE target_labels (
    target_seq INTEGER NOT NULL REFERENCES targets(seq) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (target_seq, key)
  ) WITHOUT ROWID;
  CREATE INDEX target_labels_by_key_value ON target_labels(key, value, target_seq);

  CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    operation   TEXT NOT NULL,
    params      TEXT NOT NULL,
    selector    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('submitted','processing','completed','failed','partial_failure')),
    progress    REAL NOT NULL DEFAULT 0,
    results     TEXT NOT NULL DEFAULT '[]',
    error       TEXT,
    key_id      TEXT,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
  );
  CREATE INDEX jobs_by_status_created ON jobs(status, created_at);
  CREATE INDEX jobs_by_created ON jobs(created_at);
  CREATE INDEX jobs_by_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;

  CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
  );
  `,
  // 2: audit log of authenticated requests (identical ones within ~100 ms share a row).
  `
  CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    key_id      TEXT,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms REAL NOT NULL, -- mean over count identical requests
    count       INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX audit_by_at ON audit(at);
  `,
  // 3: monitors (continuous probing of a target selection) and their latency windows: one
  // row per target, monitor and window (span_ms = the window length, or the rollup length
  // for rollups), counters plus a histogram blob (engine/monitor/hdr-codec.ts). target_seq/monitor_seq
  // are the integer keys of targets/monitors (small rows; no foreign key, so writes stay
  // cheap and history outlives a deleted monitor until retention purges it).
  `
  CREATE TABLE monitors (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    probe       TEXT NOT NULL CHECK (probe IN ('icmp')),
    selection   TEXT NOT NULL,
    interval_ms INTEGER NOT NULL CHECK (interval_ms >= 100),
    probes      INTEGER NOT NULL,
    timeout_ms  INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  CREATE TABLE latency_windows (
    target_seq         INTEGER NOT NULL,
    span_ms            INTEGER NOT NULL,
    start_at           INTEGER NOT NULL,
    monitor_seq        INTEGER NOT NULL,
    sent               INTEGER NOT NULL,
    received           INTEGER NOT NULL,
    duplicates         INTEGER NOT NULL,
    late               INTEGER NOT NULL,
    err_unreachable    INTEGER NOT NULL,
    err_time_exceeded  INTEGER NOT NULL,
    err_param_problem  INTEGER NOT NULL,
    err_packet_too_big INTEGER NOT NULL,
    err_send_failed    INTEGER NOT NULL,
    err_other          INTEGER NOT NULL,
    min_ns             INTEGER,
    max_ns             INTEGER,
    sum_ns             INTEGER NOT NULL,
    hist               BLOB,
    PRIMARY KEY (target_seq, span_ms, start_at, monitor_seq)
  ) WITHOUT ROWID;
  CREATE INDEX latency_windows_by_age ON latency_windows(span_ms, start_at);

  -- Rollups done: every window of span_ms = window_ms before done_until is rolled up.
  CREATE TABLE latency_rollup_cursor (
    window_ms  INTEGER NOT NULL,
    rollup_ms  INTEGER NOT NULL,
    done_until INTEGER NOT NULL,
    PRIMARY KEY (window_ms, rollup_ms)
  );
  `,
  // 4: state changes of monitored targets (status with hysteresis, engine/monitor/
  // status-tracker.ts): ids as text, so an event outlives a deleted target or monitor;
  // purged with the rollups' retention.
  `
  CREATE TABLE state_changes (
    seq        INTEGER PRIMARY KEY,
    monitor_id TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    address    TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status  TEXT NOT NULL,
    at         INTEGER NOT NULL,
    reason     TEXT NOT NULL
  );
  CREATE INDEX state_changes_by_monitor ON state_changes(monitor_id, at);
  CREATE INDEX state_changes_by_age ON state_changes(at);
  `,
  // 5: the retention purge deletes per target along the primary key
  // (engine/monitor/window-store.ts purgeStep): the index by age cost ~22 of ~180 bytes per
  // window row and a second B-tree write per insert.
  `
  DROP INDEX latency_windows_by_age;
  `,
  // 6: the process groups of commands running now (engine/exec/exec-groups.ts): a row lives
  // while its command runs, so a daemon restarted after a crash kills the groups the previous
  // run left. A pid is identified by its start time (/proc/<pid>/stat field 22, in clock
  // ticks since boot) on this boot, so a reused pid is never taken for the old one.
  `
  CREATE TABLE exec_groups (
    pgid              INTEGER PRIMARY KEY,
    start_ticks       INTEGER NOT NULL,
    boot_id           TEXT NOT NULL,
    owner_pid         INTEGER NOT NULL,
    owner_start_ticks INTEGER NOT NULL,
    command           TEXT NOT NULL,
    started_at        INTEGER NOT NULL
  );
  `,
  // 7: browser sessions of the dashboard (engine/auth/session-service.ts): a signed-in API
  // key's cookie. Only the token's SHA-256 is stored (the cookie value is never on disk);
  // the CSRF token is not a credential without the cookie, so it is kept to be read back.
  `
  CREATE TABLE browser_sessions (
    id            TEXT PRIMARY KEY,
    key_id        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    idle_ms       INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    revoked_at    INTEGER
  );
  CREATE INDEX browser_sessions_by_key ON browser_sessions(key_id);
  `,
  // 8: capacity-planning campaigns (engine/capacity/, docs/capacity.md): one row per run
  // and one per measured step; the step's RTT histogram is a counts blob (monitor/hdr-codec.ts).
  `
  CREATE TABLE capacity_runs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    spec          TEXT NOT NULL,
    plan          TEXT NOT NULL,
    targets       TEXT NOT NULL,
    sonde_version TEXT NOT NULL,
    host          TEXT NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    knee_step     INTEGER,
    base_p99_ns   INTEGER
  );
  CREATE TABLE capacity_steps (
    run_id        TEXT NOT NULL REFERENCES capacity_runs(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    params        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER NOT NULL,
    offered_rate  REAL NOT NULL,
    achieved_rate REAL NOT NULL,
    rate_error    REAL NOT NULL,
    sent          INTEGER NOT NULL,
    received      INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    lost          INTEGER NOT NULL,
    errors        TEXT NOT NULL,
    loss_percent  REAL NOT NULL,
    hdr           BLOB NOT NULL,
    rtt           TEXT,
    self          TEXT NOT NULL,
    breaks_slo    INTEGER NOT NULL,
    knee          INTEGER NOT NULL,
    PRIMARY KEY (run_id, idx)
  ) WITHOUT ROWID;
  `,
  // 9: latency windows measured by remote agents (engine/distributed/agent-window-store.ts),
  // with the agent as a dimension. The primary key is the idempotent key of a window on the
  // bus (agent, target, window start; plus monitor and span): a window delivered twice is
  // stored once. Ids as text, like state_changes: the controller may not know the target's seq.
  `
  CREATE TABLE agent_windows (
    agent              TEXT NOT NULL,
    target_id          TEXT NOT NULL,
    start_at           INTEGER NOT NULL,
    monitor_id         TEXT NOT NULL,
    span_ms            INTEGER NOT NULL,
    address            TEXT NOT NULL,
    sent               INTEGER NOT NULL,
    received           INTEGER NOT NULL,
    duplicates         INTEGER NOT NULL,
    late               INTEGER NOT NULL,
    errors             TEXT NOT NULL,
    min_ns             INTEGER,
    max_ns             INTEGER,
    sum_ns             INTEGER NOT NULL,
    hist               BLOB,
    sealed_at          INTEGER NOT NULL,
    stored_at          INTEGER NOT NULL,
    PRIMARY KEY (agent, target_id, start_at, monitor_id, span_ms)
  ) WITHOUT ROWID;
  CREATE INDEX agent_windows_by_monitor ON agent_windows(monitor_id, start_at);
  `,
  // 10: monitors of every probe kind (engine/monitor/monitor-options.ts): the probe CHECK
  // widened (SQLite cannot alter a CHECK: the small monitors table is rebuilt, seq kept) and
  // the kind's options as JSON; latency_windows get the error kinds of socket probes
  // (engine/monitor/error-kinds.ts). Old rows count 0 of each, which is what they saw.
  `
  CREATE TABLE monitors_v10 (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    probe       TEXT NOT NULL CHECK (probe IN ('icmp','tcp','dns','http')),
    selection   TEXT NOT NULL,
    interval_ms INTEGER NOT NULL CHECK (interval_ms >= 100),
    probes      INTEGER NOT NULL,
    timeout_ms  INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    options     TEXT NOT NULL DEFAULT '{}'
  );
  INSERT INTO monitors_v10 (seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at)
    SELECT seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at FROM monitors;
  DROP TABLE monitors;
  ALTER TABLE monitors_v10 RENAME TO monitors;
  ALTER TABLE latency_windows ADD COLUMN err_refused INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_reset INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_name_not_found INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_dns_failure INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_tls INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_http_status INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_body INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_protocol INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE latency_windows ADD COLUMN err_wrong_answer INTEGER NOT NULL DEFAULT 0;
  `,
  // 11: who runs a capacity campaign ("pid:start-time" of its process, engine/capacity/run-owner.ts):
  // a run left 'running' is live while that process is, so `sonde capacity list` next to a
  // `sonde capacity run` (or the daemon) tells a run in progress from one whose process died.
  `
  ALTER TABLE capacity_runs ADD COLUMN owner TEXT;
  `,
  // 12: what a stored capacity run measured: 'campaign' (a spec's steps against targets) or
  // 'self' (`sonde capacity self`: this host monitoring N loopback targets, one step per N).
  `
  ALTER TABLE capacity_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'campaign';
  `,
  // 13: where a monitor runs (engine/monitor/monitor-input.ts parseAgents): NULL is the
  // controller's own agent, as before; '_all', a hostname or 'key:value' names remote agents,
  // which get the definition over the bus (engine/distributed/monitor-assigner.ts). Their
  // state changes, judged by the controller on each stored window (vantage-status.ts), have a
  // table of their own: the ids of state_changes are handed out by the local runtime.
  `
  ALTER TABLE monitors ADD COLUMN agents TEXT;
  CREATE TABLE agent_state_changes (
    seq         INTEGER PRIMARY KEY,
    agent       TEXT NOT NULL,
    monitor_id  TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    address     TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT NOT NULL
  );
  CREATE INDEX agent_state_changes_by_monitor ON agent_state_changes(monitor_id, at);
  CREATE INDEX agent_state_changes_by_key ON agent_state_changes(agent, monitor_id, target_id, at);
  `,
  // 14: model monitors (probe 'model': the ping stream's health request to EMBEDDER, RERANKER
  // and LLM targets, engine/monitor/socket-probers.ts). The probe CHECK widened as in 10: the
  // monitors table rebuilt with every column and its seq kept (the windows refer to monitors
  // by seq; nothing has a foreign key to it, and its only indexes are those of its UNIQUE
  // columns, which the new table makes again).
  `
  CREATE TABLE monitors_v14 (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    probe       TEXT NOT NULL CHECK (probe IN ('icmp','tcp','dns','http','model')),
    selection   TEXT NOT NULL,
    interval_ms INTEGER NOT NULL CHECK (interval_ms >= 100),
    probes      INTEGER NOT NULL,
    timeout_ms  INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    options     TEXT NOT NULL DEFAULT '{}',
    agents      TEXT
  );
  INSERT INTO monitors_v14 (seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at, options, agents)
    SELECT seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, created_at, updated_at, options, agents FROM monitors;
  DROP TABLE monitors;
  ALTER TABLE monitors_v14 RENAME TO monitors;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
