CREATE TABLE agents (id int PRIMARY KEY, model text);
