-- A count on each account that every change to its records moves on
-- (issue 11). The session lookup reads it, so a process may keep the sealed
-- rows of a page it has read (service::read_cache) and serve them again while
-- the count stands: any process that writes a record, through any path,
-- moves the count in the same transaction, because the trigger below does it,
-- not the code that writes.
ALTER TABLE accounts ADD COLUMN records_gen BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION records_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE accounts SET records_gen = records_gen + 1 WHERE id = OLD.account_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
        UPDATE accounts SET records_gen = records_gen + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_gen AFTER INSERT OR UPDATE OR DELETE ON records
FOR EACH ROW EXECUTE FUNCTION records_gen_bump();
