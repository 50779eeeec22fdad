-- Publishing: a job names the registries its variants are pushed to (as the client gave them), and each task
-- records the references its variant goes to (the job's, with the tag resolved for that variant). Both are JSON
-- lists of {"oci": "HOST[:PORT]/REPO[:TAG]", "format": "ollama" | "modelpack"}; empty for none.

alter table jobs  add column publish jsonb not null default '[]'::jsonb;
alter table tasks add column publish jsonb not null default '[]'::jsonb;
