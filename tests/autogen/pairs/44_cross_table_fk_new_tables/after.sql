CREATE TABLE orgs (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE teams (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL REFERENCES orgs ON DELETE CASCADE,
                    lead_id uuid, UNIQUE (org_id, id));
CREATE TABLE people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), org_id uuid NOT NULL, team_id uuid,
                     FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id) ON DELETE SET NULL (team_id));
ALTER TABLE teams ADD CONSTRAINT teams_lead_fk FOREIGN KEY (lead_id) REFERENCES people (id);
CREATE INDEX people_team_idx ON people (org_id, team_id);
