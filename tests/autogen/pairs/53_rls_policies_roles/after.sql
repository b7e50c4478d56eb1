CREATE TABLE notes (id int PRIMARY KEY, org int, body text);
CREATE POLICY notes_org ON notes FOR INSERT TO autogen_reader, CURRENT_USER WITH CHECK (org = 2);
