-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade

-- The multi-tenant memory store for AI agents.
--
--   organizations               the tenant; the root of everything
--     teams, users              people, optionally grouped in teams
--     agents                    owned by exactly one user or one team
--     api_keys                  credentials of exactly one user or one agent
--     sessions                  conversation contexts (optional user, optional agent)
--       episodes                the atomic messages of a session
--     memory_facts              (subject, predicate, object) triples with a validity interval
--
-- Conventions:
-- * uuid primary keys from gen_random_uuid() (built into PostgreSQL 13+; no extension).
-- * Every table but organizations has org_id NOT NULL REFERENCES organizations.
-- * Tenant-safe references. Every reference between tenant tables is a composite foreign
--   key (org_id, x_id) -> x (org_id, id), backed by a UNIQUE (org_id, id) "tenant key" on
--   the referenced table. A plain x_id -> x (id) would let a row of organization A point at
--   a user, team, agent, session or episode of organization B; the composite key makes that
--   impossible in the database, whatever the application does, and row-level security
--   (revision 002) cannot express it. A NULL x_id skips the check (MATCH SIMPLE), which is
--   what an optional reference needs.
-- * An optional reference is ON DELETE SET NULL, and it must clear x_id only: SET NULL on a
--   composite key clears org_id too, which is NOT NULL. PostgreSQL 15 can name the column
--   (SET NULL (x_id)); to run on PostgreSQL 14 as well, each table holding such a key keeps
--   its org_id with the trigger keep_org_id (below), in the foreign key's own UPDATE. So the
--   database still does the rest: the key's action runs as the table's owner, unaffected by
--   row-level security, and deletes that cascade or reference their own table work as usual.
-- * Every foreign key is covered by an index whose leading columns are exactly the key's
--   columns, (org_id, x_id), so deletes on the referenced side and tenant-scoped joins never
--   scan. Such an index (or the tenant key, or another org_id-leading index) also covers
--   the org_id -> organizations key; no table needs a separate org_id index. The verify
--   section below checks this from the catalog.
-- * timestamptz everywhere; created_at NOT NULL DEFAULT now().

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- keep_org_id: in the UPDATE of an ON DELETE SET NULL action (which sets org_id and x_id to
-- NULL), puts org_id back. Its triggers fire only inside another trigger (pg_trigger_depth(),
-- as a foreign key's action runs), so a statement that sets org_id to NULL still fails.
CREATE FUNCTION keep_org_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.org_id := OLD.org_id;
    RETURN NEW;
END
$$;

-- ON DELETE, org_id -> organizations (every table): CASCADE. Deleting an organization
-- deletes everything it owns (tenant off-boarding, right to erasure); nothing of a tenant
-- may outlive it.

CREATE TABLE teams (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_tenant_key UNIQUE (org_id, id),
    CONSTRAINT teams_org_name_key UNIQUE (org_id, name)
);

-- ON DELETE, users.team_id -> teams: SET NULL (team_id). A user outlives their team.
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    team_id       uuid,
    email         text NOT NULL CHECK (email LIKE '_%@_%'),
    display_name  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_tenant_key UNIQUE (org_id, id),
    CONSTRAINT users_team_fk FOREIGN KEY (org_id, team_id)
        REFERENCES teams (org_id, id) ON DELETE SET NULL
);
CREATE INDEX users_team_idx ON users (org_id, team_id);
-- One account per address and organization, case-insensitively.
CREATE UNIQUE INDEX users_org_email_key ON users (org_id, lower(email));
CREATE TRIGGER users_keep_org_id BEFORE UPDATE OF org_id ON users
    FOR EACH ROW WHEN (NEW.org_id IS NULL AND pg_trigger_depth() > 0)
    EXECUTE FUNCTION keep_org_id();

-- ON DELETE, agents.owner_user_id -> users and agents.owner_team_id -> teams: CASCADE.
-- An agent has exactly one owner (CHECK), so SET NULL would break that rule and RESTRICT
-- would make off-boarding a person or dissolving a team fail on their agents. The agent
-- goes with its owner; its conversations stay (sessions.agent_id is SET NULL below) and
-- so does what was learnt (memory_facts does not reference agents).
CREATE TABLE agents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    owner_user_id  uuid,
    owner_team_id  uuid,
    name           text NOT NULL CHECK (name <> ''),
    model          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agents_tenant_key UNIQUE (org_id, id),
    CONSTRAINT agents_one_owner CHECK (num_nonnulls(owner_user_id, owner_team_id) = 1),
    CONSTRAINT agents_owner_user_fk FOREIGN KEY (org_id, owner_user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT agents_owner_team_fk FOREIGN KEY (org_id, owner_team_id)
        REFERENCES teams (org_id, id) ON DELETE CASCADE
);
CREATE INDEX agents_owner_user_idx ON agents (org_id, owner_user_id);
CREATE INDEX agents_owner_team_idx ON agents (org_id, owner_team_id);

-- API keys are stored as the SHA-256 of the key (32 bytes) plus a short, non-secret prefix
-- to show in a UI ("mk_live_3f9a..."); the key itself is shown once and never stored.
-- Authentication looks a key up by key_hash, which is unique across all tenants.
-- ON DELETE, api_keys.user_id -> users and api_keys.agent_id -> agents: CASCADE. A key
-- whose principal is gone must stop working at once; it must not linger unowned.
CREATE TABLE api_keys (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     uuid,
    agent_id    uuid,
    name        text,
    key_prefix  text NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 16),
    key_hash    bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT api_keys_one_principal CHECK (num_nonnulls(user_id, agent_id) = 1),
    CONSTRAINT api_keys_expiry_after_creation CHECK (expires_at > created_at),
    CONSTRAINT api_keys_user_fk FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT api_keys_agent_fk FOREIGN KEY (org_id, agent_id)
        REFERENCES agents (org_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_user_idx ON api_keys (org_id, user_id);
CREATE INDEX api_keys_agent_idx ON api_keys (org_id, agent_id);

-- ON DELETE, sessions.user_id -> users and sessions.agent_id -> agents: SET NULL (user_id)
-- and SET NULL (agent_id). A conversation is the tenant's record; it outlives the person
-- or agent that took part in it.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     uuid,
    agent_id    uuid,
    title       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    CONSTRAINT sessions_tenant_key UNIQUE (org_id, id),
    CONSTRAINT sessions_end_after_start CHECK (ended_at >= created_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE SET NULL,
    CONSTRAINT sessions_agent_fk FOREIGN KEY (org_id, agent_id)
        REFERENCES agents (org_id, id) ON DELETE SET NULL
);
CREATE INDEX sessions_user_idx ON sessions (org_id, user_id);
CREATE INDEX sessions_agent_idx ON sessions (org_id, agent_id);
CREATE INDEX sessions_created_at_idx ON sessions (created_at);
CREATE TRIGGER sessions_keep_org_id BEFORE UPDATE OF org_id ON sessions
    FOR EACH ROW WHEN (NEW.org_id IS NULL AND pg_trigger_depth() > 0)
    EXECUTE FUNCTION keep_org_id();

-- ON DELETE, episodes.session_id -> sessions: CASCADE. A message means nothing without
-- its conversation; deleting a session deletes its messages.
CREATE TABLE episodes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL,
    role        text NOT NULL,
    content     text NOT NULL,
    tags        text[] NOT NULL DEFAULT '{}',
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT episodes_tenant_key UNIQUE (org_id, id),
    CONSTRAINT episodes_role_check CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    CONSTRAINT episodes_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT episodes_session_fk FOREIGN KEY (org_id, session_id)
        REFERENCES sessions (org_id, id) ON DELETE CASCADE
);
-- The foreign-key index, extended with created_at: a session's transcript in order.
CREATE INDEX episodes_session_idx ON episodes (org_id, session_id, created_at);
CREATE INDEX episodes_created_at_idx ON episodes (created_at);
CREATE INDEX episodes_tags_idx ON episodes USING gin (tags);

-- A fact holds over [valid_from, valid_until); valid_until NULL means "still holds".
-- ON DELETE, memory_facts.source_episode_id -> episodes: SET NULL (source_episode_id).
-- Knowledge outlives the message it was extracted from; only the provenance is lost.
CREATE TABLE memory_facts (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    subject            text NOT NULL CHECK (subject <> ''),
    predicate          text NOT NULL CHECK (predicate <> ''),
    object             text NOT NULL,
    confidence         real NOT NULL DEFAULT 1,
    valid_from         timestamptz NOT NULL DEFAULT now(),
    valid_until        timestamptz,
    source_episode_id  uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- NaN compares greater than every number, so this also rejects NaN.
    CONSTRAINT memory_facts_confidence_range CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT memory_facts_valid_interval CHECK (valid_until > valid_from),
    CONSTRAINT memory_facts_source_episode_fk FOREIGN KEY (org_id, source_episode_id)
        REFERENCES episodes (org_id, id) ON DELETE SET NULL
);
CREATE INDEX memory_facts_source_episode_idx ON memory_facts (org_id, source_episode_id);
-- "What do we know about X", and its history in time order.
CREATE INDEX memory_facts_subject_idx ON memory_facts (org_id, subject, predicate, valid_from);
CREATE TRIGGER memory_facts_keep_org_id BEFORE UPDATE OF org_id ON memory_facts
    FOR EACH ROW WHEN (NEW.org_id IS NULL AND pg_trigger_depth() > 0)
    EXECUTE FUNCTION keep_org_id();

-- migrate:downgrade

-- Children before parents, and no CASCADE: a table this revision does not know about that
-- depends on one of these makes the downgrade fail instead of silently losing it.
DROP TABLE memory_facts;
DROP TABLE episodes;
DROP TABLE sessions;
DROP TABLE api_keys;
DROP TABLE agents;
DROP TABLE users;
DROP TABLE teams;
DROP TABLE organizations;
DROP FUNCTION keep_org_id();

-- migrate:verify

-- Every foreign key of the schema has an index whose leading columns are exactly its own.
SELECT NOT EXISTS (
    SELECT 1
    FROM pg_constraint c
    WHERE c.contype = 'f'
      AND c.conrelid = ANY ('{organizations,teams,users,agents,api_keys,sessions,episodes,memory_facts}'::regclass[])
      AND NOT EXISTS (
          SELECT 1
          FROM pg_index i
          WHERE i.indrelid = c.conrelid
            AND i.indpred IS NULL
            AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
            AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey
      )
) AS every_foreign_key_is_indexed;
