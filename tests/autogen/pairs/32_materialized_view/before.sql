CREATE TABLE t (id int PRIMARY KEY, g text, n int);
