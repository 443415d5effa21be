-- A knowledge gap whose every question is gone (its conversations deleted by retention, by an
-- erasure that deletes them, or with its organisation) goes too: its embedding was made from those
-- visitors' words, and nothing is left to list.
CREATE FUNCTION knowledge_gaps_forget_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM knowledge_gaps g
    WHERE g.id = OLD.gap_id AND NOT EXISTS (SELECT FROM knowledge_gap_questions q WHERE q.gap_id = OLD.gap_id);
    RETURN NULL;
END $$;

CREATE TRIGGER knowledge_gaps_forget_empty
    AFTER DELETE ON knowledge_gap_questions
    FOR EACH ROW EXECUTE FUNCTION knowledge_gaps_forget_empty();
