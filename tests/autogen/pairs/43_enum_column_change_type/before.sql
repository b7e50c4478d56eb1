CREATE TABLE t (id int PRIMARY KEY, state text NOT NULL DEFAULT 'open');
