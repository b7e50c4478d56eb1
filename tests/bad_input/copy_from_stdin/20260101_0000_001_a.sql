-- revision: 001
-- message: COPY FROM stdin

-- migrate:upgrade
CREATE TABLE bad_t (id int);
COPY bad_t (id) FROM stdin;
1
2
\.
