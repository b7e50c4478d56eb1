-- The desired schema of the example project (the memory store in ../migrations/), written
-- declaratively: what the database looks like at the migrations' head, not how it got there.
-- To change the schema, edit this file and run
--     pgmigrate revision --autogenerate -m "what changed"
-- which drafts the migration (upgrade and downgrade) from the difference. Then review the
-- draft, `pgmigrate upgrade head`, and `pgmigrate check --schema schema` shows that the
-- migrations and this file agree. The reasons behind each rule are in the migrations.

-- Tenants. Every other table has org_id NOT NULL, and every reference between tenant
-- tables is a composite foreign key (org_id, x_id) -> x (org_id, id), backed by the
-- referenced table's UNIQUE (org_id, id) "tenant key", so no row can point at another
-- organization's row. Every foreign key has an index with exactly its columns in front.
-- An optional reference is ON DELETE SET NULL, which on a composite key sets org_id to NULL
-- too: the trigger keep_org_id puts it back, in that UPDATE only (SET NULL (x_id) would say
-- the same, but only from PostgreSQL 15 on).

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION keep_org_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.org_id := OLD.org_id;
    RETURN NEW;
END
$$;

CREATE TABLE teams (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_tenant_key UNIQUE (org_id, id),
    CONSTRAINT teams_org_name_key UNIQUE (org_id, name)
);

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
CREATE UNIQUE INDEX users_org_email_key ON users (org_id, lower(email));
CREATE TRIGGER users_keep_org_id BEFORE UPDATE OF org_id ON users
    FOR EACH ROW WHEN (NEW.org_id IS NULL AND pg_trigger_depth() > 0)
    EXECUTE FUNCTION keep_org_id();

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

-- key_hash is sha256 of the key; the key itself is never stored.
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
CREATE INDEX episodes_session_idx ON episodes (org_id, session_id, created_at);
CREATE INDEX episodes_created_at_idx ON episodes (created_at);
CREATE INDEX episodes_tags_idx ON episodes USING gin (tags);

-- A fact holds over [valid_from, valid_until); valid_until NULL means it still holds (it is
-- open). superseded_by links a closed fact to the fact that replaced it; at most one fact
-- per (org_id, subject, predicate) is open.
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
    superseded_by      uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memory_facts_tenant_key UNIQUE (org_id, id),
    CONSTRAINT memory_facts_confidence_range CHECK (confidence >= 0 AND confidence <= 1),
    CONSTRAINT memory_facts_valid_interval CHECK (valid_until > valid_from),
    CONSTRAINT memory_facts_not_self_superseded CHECK (superseded_by <> id),
    CONSTRAINT memory_facts_superseded_is_closed
        CHECK (superseded_by IS NULL OR valid_until IS NOT NULL),
    CONSTRAINT memory_facts_source_episode_fk FOREIGN KEY (org_id, source_episode_id)
        REFERENCES episodes (org_id, id) ON DELETE SET NULL,
    CONSTRAINT memory_facts_superseded_by_fk FOREIGN KEY (org_id, superseded_by)
        REFERENCES memory_facts (org_id, id) ON DELETE SET NULL
);
CREATE INDEX memory_facts_source_episode_idx ON memory_facts (org_id, source_episode_id);
CREATE INDEX memory_facts_superseded_by_idx ON memory_facts (org_id, superseded_by);
CREATE INDEX memory_facts_subject_idx ON memory_facts (org_id, subject, predicate, valid_from);
CREATE UNIQUE INDEX memory_facts_current_key
    ON memory_facts (org_id, subject, predicate)
    WHERE valid_until IS NULL;
CREATE TRIGGER memory_facts_keep_org_id BEFORE UPDATE OF org_id ON memory_facts
    FOR EACH ROW WHEN (NEW.org_id IS NULL AND pg_trigger_depth() > 0)
    EXECUTE FUNCTION keep_org_id();

-- Row-level security: every table admits only the rows of the organization named by the
-- setting app.current_org (set per transaction; unset or empty admits none). The policies
-- hold the application's role; the tables' owner (who migrates and runs pg_dump) is not held
-- to them (no FORCE, since 004), like a superuser.

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations
    USING (id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agents
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE episodes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON episodes
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE memory_facts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memory_facts
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);
