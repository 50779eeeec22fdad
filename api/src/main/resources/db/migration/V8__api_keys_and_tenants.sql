-- Authentication and tenants. An API key is stored as the SHA-256 of the key (the key itself is shown once, when
-- it is created); key_prefix is its first characters, enough to tell keys apart in a list. Every job, task,
-- catalog entry and webhook carries the tenant that owns it; rows written before tenants existed belong to
-- 'default', the tenant of the API when authentication is off.

create table api_keys (
    id           uuid        primary key,
    name         text        not null,
    tenant       text        not null,
    -- a JSON array of scopes: "jobs:submit", "jobs:read", "admin"
    scopes       jsonb       not null,
    key_hash     text        not null unique,
    key_prefix   text        not null,
    created_at   timestamptz not null,
    revoked_at   timestamptz
);

alter table jobs             add column tenant text not null default 'default';
alter table tasks            add column tenant text not null default 'default';
alter table catalog_variants add column tenant text not null default 'default';
alter table webhooks         add column tenant text not null default 'default';

-- listings are per tenant, newest first
drop index jobs_newest;
drop index jobs_state_newest;
create index jobs_newest on jobs (tenant, created_at desc, id desc);
create index jobs_state_newest on jobs (tenant, state, created_at desc, id desc);
drop index catalog_by_model;
drop index catalog_model_newest;
create index catalog_by_model on catalog_variants (tenant, model_name, state);
create index catalog_model_newest on catalog_variants (tenant, model_name, published_at desc, task_id);

-- an Idempotency-Key is the client's: two tenants may use the same one
alter table idempotency_keys add column tenant text not null default 'default';
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add primary key (tenant, key);
