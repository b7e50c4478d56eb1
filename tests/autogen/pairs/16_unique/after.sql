CREATE TABLE t (id int PRIMARY KEY, email text, org int, CONSTRAINT t_org_email_key UNIQUE (org, email) DEFERRABLE INITIALLY DEFERRED);
