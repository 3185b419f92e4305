-- Outbound messages keep no credentials and show a receiver's answer to
-- admins only (issue 8, item 4).
--
-- A webhook's signing secret and a page's acknowledgement link (a
-- credential for 24 hours) are no longer stored with each message: the
-- sender adds both when it sends, from the server's settings and the
-- message's alert or incident and person, so a retry or a message re-sent
-- after a crash still carries a valid link and signature. Messages
-- pending at the upgrade are sent that way too.
--
-- The start of a receiver's response body moves out of last_error and the
-- attempt details into their own columns, which only admins are shown:
-- a receiver a user chose may answer with anything. Rows written before
-- kept the body after "HTTP <status> <reason>: "; it is moved.

-- +goose Up
ALTER TABLE messages DROP COLUMN secret;
ALTER TABLE messages DROP COLUMN ack_url;
ALTER TABLE messages ADD COLUMN last_response TEXT NOT NULL DEFAULT '';
ALTER TABLE message_attempts ADD COLUMN response TEXT NOT NULL DEFAULT '';
UPDATE messages SET
    last_response = substr(last_error, instr(last_error, 'HTTP ') + instr(substr(last_error, instr(last_error, 'HTTP ')), ': ') + 1),
    last_error = substr(last_error, 1, instr(last_error, 'HTTP ') + instr(substr(last_error, instr(last_error, 'HTTP ')), ': ') - 2) || ' (the receiver''s answer is shown to admins)'
WHERE instr(last_error, 'HTTP ') > 0 AND instr(substr(last_error, instr(last_error, 'HTTP ')), ': ') BETWEEN 1 AND 45;
UPDATE message_attempts SET
    response = substr(detail, instr(detail, 'HTTP ') + instr(substr(detail, instr(detail, 'HTTP ')), ': ') + 1),
    detail = substr(detail, 1, instr(detail, 'HTTP ') + instr(substr(detail, instr(detail, 'HTTP ')), ': ') - 2) || ' (the receiver''s answer is shown to admins)'
WHERE instr(detail, 'HTTP ') > 0 AND instr(substr(detail, instr(detail, 'HTTP ')), ': ') BETWEEN 1 AND 45;

-- +goose Down
ALTER TABLE message_attempts DROP COLUMN response;
ALTER TABLE messages DROP COLUMN last_response;
ALTER TABLE messages ADD COLUMN ack_url TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN secret TEXT NOT NULL DEFAULT '';
