-- The same schema spelled another way: the draft depends on the catalogs, not on the text.
create table public.orgs (
    id   int4 not null,
    name varchar not null,
    constraint orgs_pkey primary key (id)
);
ALTER TABLE orgs ALTER COLUMN name TYPE text;
CREATE TABLE teams (id int CONSTRAINT teams_pkey PRIMARY KEY, org_id int);
ALTER TABLE teams ADD CONSTRAINT teams_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE;
CREATE INDEX teams_org_idx ON public.teams USING btree (org_id);
