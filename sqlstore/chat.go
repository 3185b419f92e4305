package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// The chat state of incidents (package chat): chat_channels,
// chat_posts, chat_user_links (migration 00015).

var _ chat.Store = (*Store)(nil)

const chatColumns = `incident_id, provider, channel_id, channel_name, done_seq, done_steps, topic, purpose,
	archived, attempts, last_error, retry_at, updated_at`

func scanChat(r scanner) (*chat.State, error) {
	var st chat.State
	var archived int
	err := r.Scan(&st.IncidentID, &st.Provider, &st.ChannelID, &st.ChannelName, &st.Seq, &st.Step,
		&st.Topic, &st.Purpose, &archived, &st.Attempts, &st.LastError, nullTimeCol{&st.RetryAt}, timeCol{&st.UpdatedAt})
	st.Archived = archived != 0
	return &st, err
}

// LeaseChat implements chat.Store.
func (s *Store) LeaseChat(ctx context.Context, incidentID, provider, owner string, now time.Time, lease time.Duration) (*chat.State, error) {
	var st *chat.State
	err := s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO chat_channels (incident_id, provider, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (incident_id) DO NOTHING`, incidentID, provider, t.d.timeArg(now)); err != nil {
			return fmt.Errorf("sqlstore: chat state: %w", err)
		}
		res, err := t.exec(ctx, `UPDATE chat_channels SET lease_owner = ?, lease_until = ?
			WHERE incident_id = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
			owner, t.d.timeArg(now.Add(lease)), incidentID, owner, t.d.timeArg(now))
		if err != nil {
			return fmt.Errorf("sqlstore: lease chat work: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return warroom.Errorf(warroom.EConflict, "the chat work of incident %s is held by another run", incidentID)
		}
		st, err = scanChat(t.queryRow(ctx, "SELECT "+chatColumns+" FROM chat_channels WHERE incident_id = ?", incidentID))
		if err != nil {
			return fmt.Errorf("sqlstore: chat state: %w", err)
		}
		return nil
	})
	return st, err
}

// SaveChat implements chat.Store; st.UpdatedAt is when.
func (s *Store) SaveChat(ctx context.Context, st *chat.State, owner string, until time.Time, post *chat.Post) error {
	now := st.UpdatedAt
	return s.inTx(ctx, func(t *tx) error {
		archived := 0
		if st.Archived {
			archived = 1
		}
		res, err := t.exec(ctx, `UPDATE chat_channels SET channel_id = ?, channel_name = ?, done_seq = ?, done_steps = ?,
			topic = ?, purpose = ?, archived = ?, attempts = ?, last_error = ?, retry_at = ?, updated_at = ?, lease_until = ?
			WHERE incident_id = ? AND lease_owner = ?`,
			st.ChannelID, st.ChannelName, st.Seq, st.Step, st.Topic, st.Purpose, archived, st.Attempts,
			st.LastError, t.d.nullTimeArg(st.RetryAt), t.d.timeArg(now), t.d.timeArg(until), st.IncidentID, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: save chat state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return warroom.Errorf(warroom.EConflict, "the chat work of incident %s is no longer held by %s", st.IncidentID, owner)
		}
		if post == nil {
			return nil
		}
		if _, err := t.exec(ctx, `INSERT INTO chat_posts (incident_id, seq, step, kind, target, ref, error, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id, seq, step) DO UPDATE SET kind = excluded.kind, target = excluded.target,
				ref = excluded.ref, error = excluded.error, at = excluded.at`,
			st.IncidentID, post.Seq, post.Step, string(post.Kind), post.Target, post.Ref, post.Error, t.d.timeArg(post.At)); err != nil {
			return fmt.Errorf("sqlstore: record a chat post: %w", err)
		}
		return nil
	})
}

// ReleaseChat implements chat.Store.
func (s *Store) ReleaseChat(ctx context.Context, incidentID, owner string) error {
	if _, err := s.exec(ctx, "UPDATE chat_channels SET lease_owner = '', lease_until = NULL WHERE incident_id = ? AND lease_owner = ?",
		incidentID, owner); err != nil {
		return fmt.Errorf("sqlstore: release chat work: %w", err)
	}
	return nil
}

// ReleaseChatLeases implements chat.Store.
func (s *Store) ReleaseChatLeases(ctx context.Context) (int, error) {
	res, err := s.exec(ctx, "UPDATE chat_channels SET lease_owner = '', lease_until = NULL WHERE lease_owner <> ''")
	if err != nil {
		return 0, fmt.Errorf("sqlstore: release chat leases: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ChatState implements chat.Store.
func (s *Store) ChatState(ctx context.Context, incidentID string) (*chat.State, error) {
	st, err := scanChat(s.queryRow(ctx, "SELECT "+chatColumns+" FROM chat_channels WHERE incident_id = ?", incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s has no chat state", incidentID)
	} else if err != nil {
		return nil, fmt.Errorf("sqlstore: chat state: %w", err)
	}
	rows, err := s.query(ctx, "SELECT seq, step, kind, target, ref, error, at FROM chat_posts WHERE incident_id = ? ORDER BY seq, step", incidentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: chat posts: %w", err)
	}
	st.Posts, err = collect(rows, func(r scanner) (chat.Post, error) {
		var p chat.Post
		var kind string
		err := r.Scan(&p.Seq, &p.Step, &kind, &p.Target, &p.Ref, &p.Error, timeCol{&p.At})
		p.Kind = chat.ActionKind(kind)
		return p, err
	})
	return st, err
}

// ChatIncident implements chat.Store.
func (s *Store) ChatIncident(ctx context.Context, provider, channelID string) (string, error) {
	var id string
	err := s.queryRow(ctx, "SELECT incident_id FROM chat_channels WHERE provider = ? AND channel_id = ? AND channel_id <> ''", provider, channelID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", warroom.Errorf(warroom.ENotFound, "channel %s belongs to no incident", channelID)
	} else if err != nil {
		return "", fmt.Errorf("sqlstore: incident of a channel: %w", err)
	}
	return id, nil
}

// ChatUser implements chat.Store.
func (s *Store) ChatUser(ctx context.Context, provider, chatUserID string) (string, error) {
	var id string
	err := s.queryRow(ctx, "SELECT user_id FROM chat_user_links WHERE provider = ? AND chat_user_id = ?", provider, chatUserID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", warroom.Errorf(warroom.ENotFound, "chat user %s is linked to nobody", chatUserID)
	} else if err != nil {
		return "", fmt.Errorf("sqlstore: chat user: %w", err)
	}
	return id, nil
}

// ChatUserOf implements chat.Store; an explicit link wins over one by
// email.
func (s *Store) ChatUserOf(ctx context.Context, provider, userID string) (string, error) {
	var id string
	err := s.queryRow(ctx, `SELECT chat_user_id FROM chat_user_links WHERE provider = ? AND user_id = ?
		ORDER BY explicit DESC, linked_at DESC LIMIT 1`, provider, userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", warroom.Errorf(warroom.ENotFound, "user %s has no %s account linked", userID, provider)
	} else if err != nil {
		return "", fmt.Errorf("sqlstore: chat user of a user: %w", err)
	}
	return id, nil
}

// LinkChatUser implements chat.Store.
func (s *Store) LinkChatUser(ctx context.Context, provider, chatUserID, userID string, explicit bool, at time.Time) error {
	ex := 0
	if explicit {
		ex = 1
	}
	return s.inTx(ctx, func(t *tx) error {
		if explicit {
			// One chat account per person and provider when set by hand.
			if _, err := t.exec(ctx, "DELETE FROM chat_user_links WHERE provider = ? AND user_id = ? AND chat_user_id <> ?",
				provider, userID, chatUserID); err != nil {
				return fmt.Errorf("sqlstore: link a chat user: %w", err)
			}
		}
		_, err := t.exec(ctx, `INSERT INTO chat_user_links (provider, chat_user_id, user_id, explicit, linked_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (provider, chat_user_id) DO UPDATE SET user_id = excluded.user_id, explicit = excluded.explicit,
				linked_at = excluded.linked_at
			WHERE excluded.explicit = 1 OR chat_user_links.explicit = 0`,
			provider, chatUserID, userID, ex, t.d.timeArg(at))
		if err != nil {
			return fmt.Errorf("sqlstore: link a chat user: %w", err)
		}
		return nil
	})
}
