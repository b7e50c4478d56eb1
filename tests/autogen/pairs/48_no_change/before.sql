CREATE TABLE orgs (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE teams (id integer PRIMARY KEY, org_id integer REFERENCES orgs ON DELETE CASCADE);
CREATE INDEX teams_org_idx ON teams (org_id);
