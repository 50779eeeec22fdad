-- The catalog: one row per built variant (SUCCEEDED or REJECTED task), written in the transaction that applies
-- the worker's final event. It copies what list queries filter and show (the job's model, source and labels, the
-- profile's hardware target, the headline figures, the model file's URI and sha256), so the catalog answers from
-- this table alone, without joins, JSON extraction or object storage.

create table catalog_variants (
    task_id                     uuid primary key references tasks (id) on delete cascade,
    job_id                      uuid        not null references jobs (id) on delete cascade,
    model_name                  text        not null,
    variant                     text        not null,
    profile                     text,
    format                      text        not null,
    ftype                       text        not null,
    target_os                   text,
    target_arch                 text,
    target_accelerator          text,
    state                       text        not null check (state in ('SUCCEEDED', 'REJECTED')),
    reason                      text,
    source_uri                  text        not null,
    labels                      jsonb       not null default '{}',
    results_prefix              text        not null,
    manifest_uri                text,
    model_uri                   text,
    sha256                      text,
    model_bytes                 bigint      not null,
    bits_per_weight             double precision not null,
    perplexity                  double precision,
    perplexity_increase_percent double precision,
    mean_kld                    double precision,
    prompt_tokens_per_second    double precision,
    generation_tokens_per_second double precision,
    published_at                timestamptz not null
);
-- the model list: grouped by model name in name order, published variants only unless asked
create index catalog_by_model on catalog_variants (model_name, state);
-- a model's page: newest first within the model
create index catalog_model_newest on catalog_variants (model_name, published_at desc, task_id);
create index catalog_labels on catalog_variants using gin (labels jsonb_path_ops);

-- Variants built before the catalog existed (their hardware target stays unknown).
insert into catalog_variants (task_id, job_id, model_name, variant, profile, format, ftype, state, reason, source_uri,
                              labels, results_prefix, manifest_uri, model_uri, sha256, model_bytes, bits_per_weight,
                              perplexity, perplexity_increase_percent, mean_kld, prompt_tokens_per_second,
                              generation_tokens_per_second, published_at)
select t.id, j.id, j.model_name, t.variant, t.profile, t.recipe ->> 'format', t.recipe ->> 'ftype', t.state,
       case when t.state = 'REJECTED' then t.failure_reason end, j.source_uri, j.labels, t.results_prefix,
       t.result ->> 'manifestUri',
       (select f ->> 'uri' from jsonb_array_elements(t.result -> 'files') f
         where f ->> 'uri' !~ '/(manifest\.json|README\.md|benchmark\.json)$' limit 1),
       (select f ->> 'sha256' from jsonb_array_elements(t.result -> 'files') f
         where f ->> 'uri' !~ '/(manifest\.json|README\.md|benchmark\.json)$' limit 1),
       (t.result ->> 'modelBytes')::bigint, (t.result ->> 'bitsPerWeight')::double precision,
       (t.result -> 'benchmark' ->> 'perplexity')::double precision,
       (t.result -> 'benchmark' ->> 'perplexityIncreasePercent')::double precision,
       (t.result -> 'benchmark' ->> 'meanKld')::double precision,
       (t.result -> 'benchmark' ->> 'promptTokensPerSecond')::double precision,
       (t.result -> 'benchmark' ->> 'generationTokensPerSecond')::double precision,
       coalesce(t.finished_at, j.updated_at)
from tasks t join jobs j on j.id = t.job_id
where t.state in ('SUCCEEDED', 'REJECTED') and t.result is not null;
