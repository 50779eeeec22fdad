-- Webhooks: HTTP endpoints that receive the catalog's CloudEvents of the types they subscribe to, signed as the
-- Standard Webhooks spec says. Each event of a subscribed type becomes one delivery row, written in the transaction
-- that wrote the event to the outbox; the dispatcher sends it and retries it with backoff.

create table webhooks (
    id                   uuid        primary key,
    url                  text        not null,
    -- the CloudEvents types it receives, a JSON array of strings
    event_types          jsonb       not null,
    -- whsec_ + base64 of the HMAC key
    secret               text        not null,
    description          text,
    enabled              boolean     not null default true,
    disabled_reason      text,
    disabled_at          timestamptz,
    -- deliveries in a row that failed every attempt; reset by a successful one
    consecutive_failures integer     not null default 0,
    created_at           timestamptz not null
);

create table webhook_deliveries (
    id              bigint      generated always as identity primary key,
    webhook_id      uuid        not null references webhooks (id) on delete cascade,
    -- the CloudEvent's id, sent as webhook-id: the same on every attempt, so receivers can deduplicate
    event_id        text        not null,
    event_type      text        not null,
    -- the structured-mode CloudEvent JSON, exactly as sent
    payload         text        not null,
    state           text        not null check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer     not null default 0,
    -- every attempt: time, HTTP status (null when no response), error
    attempt_log     jsonb       not null default '[]',
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz not null,
    unique (webhook_id, event_id)
);

create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'PENDING';
create index webhook_deliveries_log on webhook_deliveries (webhook_id, id desc);
