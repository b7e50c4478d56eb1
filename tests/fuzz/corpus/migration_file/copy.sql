-- revision: c
-- down_revision: none
-- migrate:upgrade
SELECT 1;
COPY t (a) FROM stdin;
1
\.
