CREATE TABLE t (id int PRIMARY KEY, name text, score numeric(6,2) NOT NULL DEFAULT 0, tags text[]);
