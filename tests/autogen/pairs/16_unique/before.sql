CREATE TABLE t (id int PRIMARY KEY, email text, org int, CONSTRAINT t_email_key UNIQUE (email));
