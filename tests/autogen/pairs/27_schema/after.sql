CREATE TABLE t (id int PRIMARY KEY);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, t_id int REFERENCES public.t (id));
CREATE TYPE billing.state AS ENUM ('due', 'paid');
