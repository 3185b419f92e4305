package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

const teamColumns = "id, slug, name, created_at"

// CreateTeam stores a new team, giving it an ID and a creation time if
// they are empty; EConflict if the slug is taken.
func (s *Store) CreateTeam(ctx context.Context, t *warroom.Team) error {
	if err := fillNew(&t.ID, &t.CreatedAt); err != nil {
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO teams ("+teamColumns+") VALUES (?, ?, ?, ?)",
		t.ID, t.Slug, t.Name, s.d.timeArg(t.CreatedAt))
	if c, ok := uniqueViolation(err); ok {
		if c == "teams_slug_key" {
			return conflict("slug", "team slug %s is taken", t.Slug)
		}
		return conflict("id", "a team with ID %s exists", t.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create team: %w", err)
	}
	return nil
}

// FindTeam returns a team by ID or slug; ENotFound.
func (s *Store) FindTeam(ctx context.Context, idOrSlug string) (*warroom.Team, error) {
	t, err := scanTeam(s.queryRow(ctx, "SELECT "+teamColumns+" FROM teams WHERE id = ? OR slug = ?",
		idOrSlug, strings.ToLower(idOrSlug)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no team %q", idOrSlug)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find team: %w", err)
	}
	return t, nil
}

// ListTeams returns every team, by slug.
func (s *Store) ListTeams(ctx context.Context) ([]*warroom.Team, error) {
	rows, err := s.query(ctx, "SELECT "+teamColumns+" FROM teams ORDER BY slug")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list teams: %w", err)
	}
	return collect(rows, scanTeam)
}

func scanTeam(r scanner) (*warroom.Team, error) {
	t := &warroom.Team{}
	return t, r.Scan(&t.ID, &t.Slug, &t.Name, timeCol{&t.CreatedAt})
}
