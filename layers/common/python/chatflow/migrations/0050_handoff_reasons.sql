-- Why a conversation passed to a person (issue #16): who asked for it (a handoff keyword in the
-- visitor's message, the AI's handoff_to_human tool, the widget's "Talk to a person" button, an
-- agent), the reason in one word, and the AI's one line for the agent. Shown in the inbox; a model
-- that hands off every conversation (a broken prompt) shows there as a wall of `ai` handoffs.
ALTER TABLE conversations
    ADD COLUMN handoff_source text CHECK (handoff_source IN ('keyword', 'ai', 'button', 'agent')),
    ADD COLUMN handoff_reason text
        CHECK (handoff_reason IN ('visitor_asked', 'cannot_answer', 'frustrated', 'sensitive', 'other')),
    ADD COLUMN handoff_summary text CHECK (char_length(handoff_summary) <= 300);

-- The AI's summary is written from the visitor's own words: a conversation unlinked from its
-- visitor (chatflow.visitor_rights' erasure gives it a new random visitor_id) loses it too, whichever
-- statement does the unlinking.
CREATE FUNCTION conversations_forget_handoff_summary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.handoff_summary := NULL;
    RETURN NEW;
END $$;

CREATE TRIGGER conversations_forget_handoff_summary
    BEFORE UPDATE OF visitor_id ON conversations
    FOR EACH ROW WHEN (OLD.visitor_id IS DISTINCT FROM NEW.visitor_id AND OLD.handoff_summary IS NOT NULL)
    EXECUTE FUNCTION conversations_forget_handoff_summary();
