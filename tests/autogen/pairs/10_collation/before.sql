CREATE TABLE t (id int PRIMARY KEY, name text, code text COLLATE "C");
