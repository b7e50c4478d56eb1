-- revision: c
-- migrate:upgrade
SELECT 1;
COPY t (a) FROM stdin;
1
\.
