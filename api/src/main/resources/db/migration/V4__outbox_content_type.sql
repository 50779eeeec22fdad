-- A record's content type, sent as its Kafka content-type header: application/cloudevents+json for the catalog
-- topic's structured-mode CloudEvents; null (no header) for the plain JSON messages between API and workers.
alter table outbox add column content_type text;
