package web

import (
	"context"

	"github.com/warroom/warroom"
)

// CommitSource tells the web UI which incidents changed: every commit of
// an incident's events, by any process using the database
// (sqlstore.Store.ListenIncidents).
type CommitSource interface {
	ListenIncidents(ctx context.Context) (<-chan warroom.IncidentCommit, error)
}
