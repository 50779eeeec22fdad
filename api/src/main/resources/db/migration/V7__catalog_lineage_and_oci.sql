-- Lineage and pushes in the catalog: each variant's source objects as the worker read them (URI, bytes, S3 ETag and
-- the SHA-256 of the bytes it streamed) and the OCI references it was pushed to (registry/repository:tag@digest),
-- both from the task's final event. JSON lists on the catalog row, so the model page still reads one table.

alter table catalog_variants add column source_objects jsonb not null default '[]'::jsonb;
alter table catalog_variants add column oci_references jsonb not null default '[]'::jsonb;

-- Variants recorded before: what their results carry (nothing, for workers that did not record it).
update catalog_variants c
   set source_objects = coalesce(t.result -> 'sourceObjects', '[]'::jsonb),
       oci_references = coalesce(t.result -> 'ociReferences', '[]'::jsonb)
  from tasks t
 where t.id = c.task_id and t.result is not null
   and (t.result ? 'sourceObjects' or t.result ? 'ociReferences');
