CREATE TABLE agents (id int PRIMARY KEY, model_name text);
