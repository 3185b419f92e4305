package httpapi

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/warroom/warroom"
)

//go:embed openapi.json
var openapiDoc []byte

// healthz answers 200 while the process runs: a liveness probe that does
// not depend on the database, so a slow database never gets us restarted.
// Probes succeed every few seconds from every load balancer, so their
// successes are logged at DEBUG only (quietLog), not as INFO noise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	quietLog(r)
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database answers a ping within the ready
// timeout, else 503: a readiness probe.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	quietLog(r)
	ctx, cancel := context.WithTimeout(r.Context(), s.readyWait)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err.Error())
		return warroom.Errorf(warroom.EUnavailable, "the database is not answering")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// openapi serves the OpenAPI 3.1 document of this API.
func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openapiDoc)
	return nil
}
