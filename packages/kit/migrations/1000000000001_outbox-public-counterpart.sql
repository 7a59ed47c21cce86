-- Up Migration
-- A public counterpart carries its internal event's id on another topic.
ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_topic_key UNIQUE (event_id, topic);

-- Down Migration
ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_topic_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);
