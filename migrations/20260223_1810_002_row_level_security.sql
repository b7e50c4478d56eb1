-- revision: 002
-- down_revision: 001
-- message: row level security

-- migrate:upgrade

-- Tenant isolation as a database guarantee. The application says which tenant it acts for
-- with a setting, per transaction (safe with connection pools):
--
--     BEGIN;
--     SET LOCAL app.current_org = '6f1c...';     -- or set_config('app.current_org', $1, true)
--     ... queries see and write only that organization's rows ...
--     COMMIT;
--
-- Every table gets one policy for all commands: USING hides other tenants' rows from
-- SELECT, UPDATE and DELETE; WITH CHECK rejects INSERT and UPDATE rows for another tenant
-- (SQLSTATE 42501). organizations is keyed by its id: a tenant sees only its own row, and
-- creates it by setting app.current_org to the new id first.
--
-- Unset means no rows, not an error. current_setting(..., true) is NULL when the setting
-- was never defined in the session and '' once it was defined and then reset (for example
-- after a SET LOCAL's transaction ended); NULLIF turns both into NULL, and org_id = NULL
-- holds for no row. A value that is not a uuid is an error, as it should be.
--
-- FORCE ROW LEVEL SECURITY holds the tables' owner to the policies too (otherwise an
-- application connecting as the owner would see everything). Superusers and roles with
-- BYPASSRLS still bypass them, as do foreign-key checks and ON DELETE actions, which is
-- what keeps cascades working. Cross-tenant references are already impossible through the
-- composite foreign keys of 001.
--
-- A migration that reads or rewrites tenant data while connected as the owner must lift
-- FORCE for its own transaction (ALTER TABLE ... NO FORCE ROW LEVEL SECURITY, work, FORCE
-- again), or it sees no rows; see 003.

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations
    USING (id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agents
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE episodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE episodes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON episodes
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

ALTER TABLE memory_facts ENABLE ROW LEVEL SECURITY;
ALTER TABLE memory_facts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memory_facts
    USING (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('app.current_org', true), '')::uuid);

-- migrate:downgrade

DROP POLICY tenant_isolation ON memory_facts;
ALTER TABLE memory_facts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE memory_facts DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON episodes;
ALTER TABLE episodes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE episodes DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON sessions;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON api_keys;
ALTER TABLE api_keys NO FORCE ROW LEVEL SECURITY;
ALTER TABLE api_keys DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON agents;
ALTER TABLE agents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE agents DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON users;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON teams;
ALTER TABLE teams NO FORCE ROW LEVEL SECURITY;
ALTER TABLE teams DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON organizations;
ALTER TABLE organizations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE organizations DISABLE ROW LEVEL SECURITY;

-- migrate:verify

-- Every table has row-level security enabled and forced, with its tenant policy.
SELECT count(*) = 8 AND bool_and(c.relrowsecurity AND c.relforcerowsecurity)
       AND bool_and(EXISTS (SELECT 1 FROM pg_policy p
                            WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'))
       AS every_table_is_tenant_isolated
FROM pg_class c
WHERE c.oid = ANY ('{organizations,teams,users,agents,api_keys,sessions,episodes,memory_facts}'::regclass[]);
