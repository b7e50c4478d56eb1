-- message: no revision key

-- migrate:upgrade
CREATE TABLE bad_t (id int);
