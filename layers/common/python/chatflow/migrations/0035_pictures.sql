-- Public pictures (chatflow.media): a channel's logo, shown in its widget's header, and an operator's
-- photo, shown beside their messages. Keys of the attachments' bucket under media/; NULL: none (the
-- widget shows initials).
ALTER TABLE channels ADD COLUMN logo_key text;
ALTER TABLE users ADD COLUMN avatar_key text;
