-- revision: 002
-- down_revision: 001
-- message: row level security

-- migrate:upgrade

-- Tenant isolation as in ../../migrations (002, as amended by 004: the policies hold the
-- application's role, not the tables' owner, so there is no FORCE). Citus creates each policy
-- on every shard. On Citus the tenant must be named with SET LOCAL app.current_org = '...'
-- and citus.propagate_set_commands = 'local', so that the workers see the setting; see
-- README.md for what happens otherwise.

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

-- migrate:downgrade

DROP POLICY tenant_isolation ON memory_facts;
ALTER TABLE memory_facts DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON episodes;
ALTER TABLE episodes DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON sessions;
ALTER TABLE sessions DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON api_keys;
ALTER TABLE api_keys DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON agents;
ALTER TABLE agents DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON users;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON teams;
ALTER TABLE teams DISABLE ROW LEVEL SECURITY;

DROP POLICY tenant_isolation ON organizations;
ALTER TABLE organizations DISABLE ROW LEVEL SECURITY;

-- migrate:verify

SELECT count(*) = 8 AND bool_and(c.relrowsecurity AND NOT c.relforcerowsecurity)
       AND bool_and(EXISTS (SELECT 1 FROM pg_policy p
                            WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'))
       AS every_table_is_tenant_isolated
FROM pg_class c
WHERE c.oid = ANY ('{organizations,teams,users,agents,api_keys,sessions,episodes,memory_facts}'::regclass[]);
