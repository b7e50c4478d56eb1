CREATE TABLE docs (id int PRIMARY KEY, owner text, org int);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY docs_owner ON docs AS RESTRICTIVE FOR UPDATE TO autogen_reader
    USING (owner = current_user) WITH CHECK (org = NULLIF(current_setting('app.org', true), '')::int);
CREATE POLICY docs_read ON docs FOR SELECT TO PUBLIC USING (true);
