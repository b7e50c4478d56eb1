CREATE TABLE t (id int PRIMARY KEY, n integer, label varchar(20), price numeric(8,2));
