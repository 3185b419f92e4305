-- A destination's throttle holds across the processes sharing the
-- database: the send a process is making counts for every other process
-- from the moment it decided to make it, not only once it is recorded as
-- sent (Store.ReserveSend).

-- +goose Up

-- When the current attempt at sending the message took a send slot of its
-- destination's throttle; set, in the transaction that decides the
-- throttle, while the message is sending, and cleared when the attempt's
-- outcome is recorded (a sent message then counts by sent_at).
ALTER TABLE messages ADD COLUMN send_started_at timestamptz;
-- ReserveSend: the sends in flight to a destination.
CREATE INDEX messages_in_flight ON messages (destination, send_started_at)
    WHERE state = 'sending' AND send_started_at IS NOT NULL;

-- +goose Down

DROP INDEX messages_in_flight;
ALTER TABLE messages DROP COLUMN send_started_at;
