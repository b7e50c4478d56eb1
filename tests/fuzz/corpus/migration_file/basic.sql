-- revision: 002
-- down_revision: 001
-- message: add agent capabilities

-- migrate:upgrade
ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';

-- migrate:downgrade
ALTER TABLE agents DROP COLUMN capabilities;
