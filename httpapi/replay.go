package httpapi

import (
	"bytes"
	"io"
	"net/http"

	"github.com/warroom/warroom"
)

// replayable gives a request that is not an incident command (a
// postmortem's review steps, a new action item, a maintenance window and
// its updates) the Idempotency-Key semantics of the commands: a retry
// with the same key and request answers the first answer, with
// Idempotent-Replayed: true, and changes nothing; the key used for
// another request is 409. The CLI retries a request that got no answer
// with its key, which without this made a second action item, or sent
// subscribers a maintenance update twice.
//
// On a route of an incident, its visibility is checked before the key is
// reserved, so a caller who may not see the incident writes nothing. The
// answer is recorded before it is sent; a request that fails frees the
// key.
func (s *Server) replayable(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := checkIdempotencyKey(r); err != nil {
			return err
		}
		replays, ok := s.store.(warroom.RequestReplays)
		if r.Header.Get("Idempotency-Key") == "" || !ok {
			return h(w, r)
		}
		if ref := r.PathValue("incident"); ref != "" {
			if _, err := s.visibleIncident(r, ref); err != nil {
				return err
			}
		}
		body, err := s.readLimited(w, r)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		idem, err := idempotency(r, body)
		if err != nil {
			return err
		}
		first, err := replays.BeginRequest(r.Context(), idem, s.now())
		if err != nil {
			return err
		}
		if first != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(first.Status)
			_, _ = w.Write(first.Body)
			return nil
		}
		rec := &answerRecorder{header: http.Header{}}
		if err := h(rec, r); err != nil || rec.status/100 != 2 {
			if ferr := replays.FinishRequest(r.Context(), idem, nil); ferr != nil {
				s.log.Error("could not free an Idempotency-Key after a failed request", "key", idem.Key, "err", ferr)
			}
			if err != nil {
				return err
			}
			rec.sendTo(w)
			return nil
		}
		if err := replays.FinishRequest(r.Context(), idem, &warroom.RecordedAnswer{Status: rec.status, Body: rec.body.Bytes()}); err != nil {
			// The change is made; a retry within warroom.ReplayReservation
			// is refused as still running, not made again.
			s.log.Error("could not record the answer of a request with an Idempotency-Key", "key", idem.Key, "err", err)
		}
		rec.sendTo(w)
		return nil
	}
}

// answerRecorder holds a handler's answer until it is recorded.
type answerRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) Header() http.Header { return a.header }

func (a *answerRecorder) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(b)
}

// sendTo writes the held answer to w. A client gone by then has the
// answer recorded for its retry.
func (a *answerRecorder) sendTo(w http.ResponseWriter) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body.Bytes())
}
