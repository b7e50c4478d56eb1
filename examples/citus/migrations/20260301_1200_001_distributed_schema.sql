-- revision: 001
-- down_revision: none
-- message: distributed schema

-- migrate:upgrade

-- The memory schema of ../../migrations (001), distributed on Citus by tenant. See README.md
-- for the choices; in short:
-- * Every table is distributed by its tenant column and all of them are co-located with
--   organizations (distributed by id): a tenant's rows live in one shard group, so every
--   composite foreign key, join and cascade of one tenant stays on one node.
-- * Citus needs the distribution column in every PRIMARY KEY and UNIQUE constraint, so the
--   keys are (org_id, id) instead of (id), and the "tenant keys" UNIQUE (org_id, id) of the
--   plain schema are those primary keys. api_keys.key_hash is unique per tenant only.
-- * Each table is distributed right after it is created, before the next one references it
--   (a distributed table's foreign key must point at a distributed or reference table).
-- * Citus refuses ON DELETE SET NULL (column) on a foreign key that includes the distribution
--   column ("SET NULL or SET DEFAULT is not supported in ON DELETE operation when distribution
--   key is included in the foreign key constraint"), so the optional references of the plain
--   schema (users.team_id, sessions.user_id, sessions.agent_id,
--   memory_facts.source_episode_id) are NO ACTION here: the application clears the reference
--   before it deletes the row it points at (README.md). CASCADE works as in the plain schema.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
SELECT create_distributed_table('organizations', 'id');

CREATE TABLE teams (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT teams_org_name_key UNIQUE (org_id, name)
);
SELECT create_distributed_table('teams', 'org_id', colocate_with => 'organizations');

CREATE TABLE users (
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    team_id       uuid,
    email         text NOT NULL CHECK (email LIKE '_%@_%'),
    display_name  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT users_team_fk FOREIGN KEY (org_id, team_id)
        REFERENCES teams (org_id, id)
);
SELECT create_distributed_table('users', 'org_id', colocate_with => 'organizations');
CREATE INDEX users_team_idx ON users (org_id, team_id);
CREATE UNIQUE INDEX users_org_email_key ON users (org_id, lower(email));

CREATE TABLE agents (
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    owner_user_id  uuid,
    owner_team_id  uuid,
    name           text NOT NULL CHECK (name <> ''),
    model          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT agents_one_owner CHECK (num_nonnulls(owner_user_id, owner_team_id) = 1),
    CONSTRAINT agents_owner_user_fk FOREIGN KEY (org_id, owner_user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT agents_owner_team_fk FOREIGN KEY (org_id, owner_team_id)
        REFERENCES teams (org_id, id) ON DELETE CASCADE
);
SELECT create_distributed_table('agents', 'org_id', colocate_with => 'organizations');
CREATE INDEX agents_owner_user_idx ON agents (org_id, owner_user_id);
CREATE INDEX agents_owner_team_idx ON agents (org_id, owner_team_id);

-- key_hash is unique per tenant: a UNIQUE (key_hash) across tenants is not possible on a
-- table distributed by org_id. A key is 32 random bytes, so a collision is not a concern;
-- authenticating a key before its tenant is known queries every shard (README.md).
CREATE TABLE api_keys (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid,
    agent_id    uuid,
    name        text,
    key_prefix  text NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 16),
    key_hash    bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    PRIMARY KEY (org_id, id),
    CONSTRAINT api_keys_key_hash_key UNIQUE (org_id, key_hash),
    CONSTRAINT api_keys_one_principal CHECK (num_nonnulls(user_id, agent_id) = 1),
    CONSTRAINT api_keys_expiry_after_creation CHECK (expires_at > created_at),
    CONSTRAINT api_keys_user_fk FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT api_keys_agent_fk FOREIGN KEY (org_id, agent_id)
        REFERENCES agents (org_id, id) ON DELETE CASCADE
);
SELECT create_distributed_table('api_keys', 'org_id', colocate_with => 'organizations');
CREATE INDEX api_keys_user_idx ON api_keys (org_id, user_id);
CREATE INDEX api_keys_agent_idx ON api_keys (org_id, agent_id);

CREATE TABLE sessions (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid,
    agent_id    uuid,
    title       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    PRIMARY KEY (org_id, id),
    CONSTRAINT sessions_end_after_start CHECK (ended_at >= created_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id),
    CONSTRAINT sessions_agent_fk FOREIGN KEY (org_id, agent_id)
        REFERENCES agents (org_id, id)
);
SELECT create_distributed_table('sessions', 'org_id', colocate_with => 'organizations');
CREATE INDEX sessions_user_idx ON sessions (org_id, user_id);
CREATE INDEX sessions_agent_idx ON sessions (org_id, agent_id);
CREATE INDEX sessions_created_at_idx ON sessions (created_at);

CREATE TABLE episodes (
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL,
    role        text NOT NULL,
    content     text NOT NULL,
    tags        text[] NOT NULL DEFAULT '{}',
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT episodes_role_check CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    CONSTRAINT episodes_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT episodes_session_fk FOREIGN KEY (org_id, session_id)
        REFERENCES sessions (org_id, id) ON DELETE CASCADE
);
SELECT create_distributed_table('episodes', 'org_id', colocate_with => 'organizations');
CREATE INDEX episodes_session_idx ON episodes (org_id, session_id, created_at);
CREATE INDEX episodes_created_at_idx ON episodes (created_at);
CREATE INDEX episodes_tags_idx ON episodes USING gin (tags);

CREATE TABLE memory_facts (
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    subject            text NOT NULL CHECK (subject <> ''),
    predicate          text NOT NULL CHECK (predicate <> ''),
    object             text NOT NULL,
    confidence         real NOT NULL DEFAULT 1,
    valid_from         timestamptz NOT NULL DEFAULT now(),
    valid_until        timestamptz,
    source_episode_id  uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT memory_facts_confidence_range CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT memory_facts_valid_interval CHECK (valid_until > valid_from),
    CONSTRAINT memory_facts_source_episode_fk FOREIGN KEY (org_id, source_episode_id)
        REFERENCES episodes (org_id, id)
);
SELECT create_distributed_table('memory_facts', 'org_id', colocate_with => 'organizations');
CREATE INDEX memory_facts_source_episode_idx ON memory_facts (org_id, source_episode_id);
CREATE INDEX memory_facts_subject_idx ON memory_facts (org_id, subject, predicate, valid_from);

-- migrate:downgrade

-- Dropping a distributed table drops its shards on every worker. Children first, no CASCADE.
DROP TABLE memory_facts;
DROP TABLE episodes;
DROP TABLE sessions;
DROP TABLE api_keys;
DROP TABLE agents;
DROP TABLE users;
DROP TABLE teams;
DROP TABLE organizations;

-- migrate:verify

-- Every table is distributed and all are in organizations' co-location group.
SELECT count(*) = 8
       AND count(DISTINCT colocationid) = 1
       AND bool_and(partmethod = 'h')
       AS every_table_distributed_and_colocated
FROM pg_dist_partition
WHERE logicalrelid = ANY ('{organizations,teams,users,agents,api_keys,sessions,episodes,memory_facts}'::regclass[]);
