SELECT E'it\'s'
'\' -- migrate:downgrade
';
SELECT E'a' /* ends it */
'b\';
