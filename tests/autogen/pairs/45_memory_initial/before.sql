-- an empty database
SELECT;
