-- Keys that foreign keys depend on, changed: each key must be dropped after its foreign keys and
-- they must come back after it (a unique constraint, a primary key, a unique index, a key replaced
-- by another one of another name, a self-referencing key).
CREATE TABLE orgs (id int PRIMARY KEY);
CREATE TABLE teams (
    org_id int NOT NULL REFERENCES orgs (id),
    id     int NOT NULL,
    name   text,
    CONSTRAINT teams_pkey PRIMARY KEY (id) INCLUDE (name),
    CONSTRAINT teams_tenant_key UNIQUE NULLS NOT DISTINCT (org_id, id)
);
CREATE TABLE users (
    id      int PRIMARY KEY,
    org_id  int NOT NULL,
    team_id int,
    CONSTRAINT users_team_fk FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id) ON DELETE SET NULL (team_id)
);
CREATE TABLE agents (
    id            int PRIMARY KEY,
    org_id        int NOT NULL,
    owner_team_id int,
    CONSTRAINT agents_owner_team_fk FOREIGN KEY (org_id, owner_team_id) REFERENCES teams (org_id, id) ON DELETE CASCADE
);
CREATE TABLE team_notes (id int PRIMARY KEY, team_id int REFERENCES teams (id));
CREATE TABLE projects (id int PRIMARY KEY, code text NOT NULL, slug text NOT NULL,
                       CONSTRAINT projects_slug_key UNIQUE (slug));
CREATE UNIQUE INDEX projects_code_idx ON projects (code) NULLS NOT DISTINCT;
CREATE TABLE tasks (
    id           int PRIMARY KEY,
    project_code text REFERENCES projects (code),
    project_slug text REFERENCES projects (slug)
);
CREATE TABLE facts (
    org_id        int NOT NULL,
    id            int NOT NULL,
    superseded_by int,
    CONSTRAINT facts_pkey PRIMARY KEY (id),
    CONSTRAINT facts_tenant_key UNIQUE (id, org_id),
    CONSTRAINT facts_superseded_by_fk FOREIGN KEY (org_id, superseded_by) REFERENCES facts (org_id, id)
);
