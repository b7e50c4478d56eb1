CREATE TABLE t (id int PRIMARY KEY, qty int CONSTRAINT qty_positive CHECK (qty >= 0), price numeric);
ALTER TABLE t ADD CONSTRAINT price_set CHECK (price IS NOT NULL) NOT VALID;
