-- revision: 004
-- down_revision: 003
-- message: row level security for the application role, not the owner

-- migrate:upgrade

-- The owner of the tables is the role that migrates and backs up the database; the
-- application connects as another role (docs/deploy.md: `app`, with SELECT, INSERT, UPDATE,
-- DELETE on the tables, no superuser, no BYPASSRLS). The policies of 002 are for that role.
--
-- 002 also held the owner to them (FORCE ROW LEVEL SECURITY). That broke the owner's own
-- backups: pg_dump turns row_security off and then refuses any table whose rows a policy
-- would filter ("query would be affected by row-level security policy for table ..."), and
-- with --enable-row-security it exits 0 having dumped every tenant table EMPTY (no
-- app.current_org is set, so the policies admit no row): a silently empty backup. It also
-- made every data migration lift FORCE for its own transaction (see 003).
--
-- So the owner is no longer subject to row-level security: FORCE goes, ENABLE and the
-- tenant_isolation policies stay, and they hold every other role that is not a superuser
-- and has no BYPASSRLS, the application's role included, exactly as before. The owner sees
-- every tenant's rows, as a superuser always did: do not run the application as the owner.
--
-- Revisions 001-003 stay as they are (deployed databases record their checksums); 003's
-- NO FORCE / FORCE around its backfill is harmless before this revision and after it.

ALTER TABLE organizations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE teams NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE agents NO FORCE ROW LEVEL SECURITY;
ALTER TABLE api_keys NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE episodes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE memory_facts NO FORCE ROW LEVEL SECURITY;

-- migrate:downgrade

-- Back to 002's rule: the owner is held to the policies too (and its pg_dump fails again).
ALTER TABLE memory_facts FORCE ROW LEVEL SECURITY;
ALTER TABLE episodes FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;

-- migrate:verify

-- Every table still has row-level security enabled with its tenant policy, and none holds
-- its owner to it.
SELECT count(*) = 8 AND bool_and(c.relrowsecurity AND NOT c.relforcerowsecurity)
       AND bool_and(EXISTS (SELECT 1 FROM pg_policy p
                            WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'))
       AS every_table_is_tenant_isolated_for_other_roles
FROM pg_class c
WHERE c.oid = ANY ('{organizations,teams,users,agents,api_keys,sessions,episodes,memory_facts}'::regclass[]);
