-- Jobs, their tasks, the transactional outbox, applied task events and idempotency keys.

create table jobs (
    id               uuid primary key,
    name             text        not null,
    model_name       text        not null,
    source_uri       text        not null,
    source_format    text        not null,
    state            text        not null,
    labels           jsonb       not null default '{}',
    cancel_requested boolean     not null default false,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    started_at       timestamptz,
    finished_at      timestamptz
);
-- listings: newest first, optionally by state; labels by containment (@>)
create index jobs_newest on jobs (created_at desc, id desc);
create index jobs_state_newest on jobs (state, created_at desc, id desc);
create index jobs_labels on jobs using gin (labels jsonb_path_ops);

create table tasks (
    id             uuid primary key,
    job_id         uuid        not null references jobs (id) on delete cascade,
    position       integer     not null,
    profile        text,
    variant        text        not null,
    recipe         jsonb       not null,
    results_prefix text        not null,
    state          text        not null,
    progress       integer     not null default 0 check (progress between 0 and 100),
    worker         text,
    created_at     timestamptz not null,
    started_at     timestamptz,
    finished_at    timestamptz,
    last_event_at  timestamptz,
    failure_reason text,
    result         jsonb,
    unique (job_id, position),
    unique (job_id, variant)
);
-- queue depth
create index tasks_queued on tasks (state) where state = 'QUEUED';

create table outbox (
    id          bigint generated always as identity primary key,
    topic       text        not null,
    message_key text        not null,
    payload     text        not null,
    created_at  timestamptz not null,
    sent_at     timestamptz
);
-- what the relay reads; stays small however long the table grows
create index outbox_unsent on outbox (id) where sent_at is null;
create index outbox_sent on outbox (sent_at) where sent_at is not null;

create table processed_events (
    event_id     uuid primary key,
    task_id      uuid        not null,
    job_id       uuid        not null,
    type         text        not null,
    processed_at timestamptz not null default now()
);

create table idempotency_keys (
    key                 text primary key,
    request_fingerprint text        not null,
    -- the key is claimed before its job is inserted, in the same transaction
    job_id              uuid        not null references jobs (id) on delete cascade deferrable initially deferred,
    created_at          timestamptz not null default now()
);
