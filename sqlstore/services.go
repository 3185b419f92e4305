package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
)

const serviceColumns = "id, slug, name, description, team_id, dashboards, runbooks, rpo, rto, created_at"

// CreateService stores a new service, giving it an ID and a creation time
// if they are empty. EConflict if the slug is taken; EInvalid if the team
// does not exist.
func (s *Store) CreateService(ctx context.Context, svc *warroom.Service) error {
	if err := fillNew(&svc.ID, &svc.CreatedAt); err != nil {
		return err
	}
	dash, run, err := serviceLinks(svc)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO services ("+serviceColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		svc.ID, svc.Slug, svc.Name, svc.Description, nullString(svc.TeamID), dash, run,
		int64(svc.RPO), int64(svc.RTO), s.d.timeArg(svc.CreatedAt))
	return serviceError(err, svc)
}

// UpdateService replaces a service's fields except its creation time,
// which it reads back into svc. ENotFound, EConflict, EInvalid.
func (s *Store) UpdateService(ctx context.Context, svc *warroom.Service) error {
	dash, run, err := serviceLinks(svc)
	if err != nil {
		return err
	}
	err = s.writeRow(ctx, `UPDATE services SET slug = ?, name = ?, description = ?, team_id = ?,
		dashboards = ?, runbooks = ?, rpo = ?, rto = ? WHERE id = ? RETURNING created_at`,
		svc.Slug, svc.Name, svc.Description, nullString(svc.TeamID), dash, run,
		int64(svc.RPO), int64(svc.RTO), svc.ID).Scan(timeCol{&svc.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return warroom.Errorf(warroom.ENotFound, "no service %q", svc.ID)
	}
	return serviceError(err, svc)
}

// serviceLinks encodes a service's links; nil encodes as [] so that the
// column always holds a JSON array.
func serviceLinks(svc *warroom.Service) (dashboards, runbooks string, err error) {
	if dashboards, err = marshal(nonNil(svc.Dashboards)); err != nil {
		return "", "", err
	}
	runbooks, err = marshal(nonNil(svc.Runbooks))
	return dashboards, runbooks, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func serviceError(err error, svc *warroom.Service) error {
	if err == nil {
		return nil
	}
	if c, ok := uniqueViolation(err); ok {
		if c == "services_slug_key" {
			return conflict("slug", "service slug %s is taken", svc.Slug)
		}
		return conflict("id", "a service with ID %s exists", svc.ID)
	}
	if foreignKeyViolation(err) {
		return warroom.Invalid("team_id", "no team %q", svc.TeamID)
	}
	return fmt.Errorf("sqlstore: store service: %w", err)
}

// FindService returns a service by ID or slug; ENotFound.
func (s *Store) FindService(ctx context.Context, idOrSlug string) (*warroom.Service, error) {
	svc, err := scanService(s.queryRow(ctx, "SELECT "+serviceColumns+" FROM services WHERE id = ? OR slug = ?",
		idOrSlug, strings.ToLower(idOrSlug)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no service %q", idOrSlug)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find service: %w", err)
	}
	return svc, nil
}

// ListServices returns every service, by slug.
func (s *Store) ListServices(ctx context.Context) ([]*warroom.Service, error) {
	rows, err := s.query(ctx, "SELECT "+serviceColumns+" FROM services ORDER BY slug")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list services: %w", err)
	}
	return collect(rows, scanService)
}

func scanService(r scanner) (*warroom.Service, error) {
	svc := &warroom.Service{}
	var rpo, rto int64
	err := r.Scan(&svc.ID, &svc.Slug, &svc.Name, &svc.Description, strCol{&svc.TeamID},
		jsonCol{&svc.Dashboards}, jsonCol{&svc.Runbooks}, &rpo, &rto, timeCol{&svc.CreatedAt})
	svc.RPO, svc.RTO = warroom.Duration(rpo), warroom.Duration(rto)
	if len(svc.Dashboards) == 0 {
		svc.Dashboards = nil
	}
	if len(svc.Runbooks) == 0 {
		svc.Runbooks = nil
	}
	return svc, err
}
