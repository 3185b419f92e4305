package intake

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestIntegrationKeys(t *testing.T) {
	tests := []struct {
		name    string
		auth    string // Authorization header
		user    string // basic auth, when set
		pass    string
		pathKey string
		want    []string
	}{
		{name: "nothing", want: nil},
		{name: "path only", pathKey: "path-key", want: []string{"path-key"}},
		{name: "bearer only", auth: "Bearer tok", want: []string{"tok"}},
		{name: "bearer wins over path", auth: "Bearer tok", pathKey: "path-key", want: []string{"tok", "path-key"}},
		{name: "scheme is case-insensitive, spaces trimmed", auth: "bearer   tok ", pathKey: "p", want: []string{"tok", "p"}},
		{name: "bearer equal to path once", auth: "Bearer same", pathKey: "same", want: []string{"same"}},
		{name: "empty bearer", auth: "Bearer ", pathKey: "p", want: []string{"p"}},
		{name: "basic password", user: "alertmanager", pass: "secret", pathKey: "p", want: []string{"secret", "p"}},
		{name: "basic username when password empty", user: "key-as-user", pathKey: "p", want: []string{"key-as-user", "p"}},
		{name: "malformed basic", auth: "Basic !!!", pathKey: "p", want: []string{"p"}},
		{name: "other scheme ignored", auth: "Token token=abc", pathKey: "p", want: []string{"p"}},
		{name: "blank path ignored", auth: "Bearer tok", pathKey: "  ", want: []string{"tok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/webhook/x", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.user != "" || tt.pass != "" {
				r.SetBasicAuth(tt.user, tt.pass)
			}
			if got := IntegrationKeys(r, tt.pathKey); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("IntegrationKeys = %q, want %q", got, tt.want)
			}
			want := ""
			if len(tt.want) > 0 {
				want = tt.want[0]
			}
			if got := IntegrationKey(r, tt.pathKey); got != want {
				t.Errorf("IntegrationKey = %q, want %q", got, want)
			}
		})
	}
}

// The Alertmanager fixtures carry a key in the path and another in the
// bearer credentials: both are candidates, the credentials first.
func TestIntegrationKeysFromAlertmanagerFixture(t *testing.T) {
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook/{key}", func(w http.ResponseWriter, r *http.Request) {
		got = IntegrationKeys(r, r.PathValue("key"))
	})
	mux.ServeHTTP(httptest.NewRecorder(), fixtureRequest(t, "001-webhook.json", ""))
	if want := []string{"example-integration-key", "warroom-integration-key"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadBody(t *testing.T) {
	read := func(size int, limit int64) ([]byte, error) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("a", size)))
		return ReadBody(httptest.NewRecorder(), r, limit)
	}
	if b, err := read(10, 10); err != nil || len(b) != 10 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	b, err := read(11, 10)
	var big *BodyTooLargeError
	if !errors.As(err, &big) || big.Limit != 10 || b != nil {
		t.Fatalf("over the limit: %d bytes, %v", len(b), err)
	}
	if err.Error() != "request body is larger than the limit of 10 bytes" {
		t.Errorf("message %q", err.Error())
	}
	if b, err := read(DefaultMaxBodyBytes, 0); err != nil || len(b) != DefaultMaxBodyBytes {
		t.Errorf("1 MiB with the default limit: %d bytes, %v", len(b), err)
	}
	if _, err := read(DefaultMaxBodyBytes+1, 0); !errors.As(err, &big) || big.Limit != DefaultMaxBodyBytes {
		t.Errorf("1 MiB + 1 with the default limit: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", errReader{})
	if _, err := ReadBody(httptest.NewRecorder(), r, 0); StatusCode(err) != 400 || !strings.Contains(err.Error(), "could not read the request body: connection reset") {
		t.Errorf("unreadable body: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestStatusCode(t *testing.T) {
	for err, want := range map[error]int{
		&Error{Message: "x"}:                            400,
		fmt.Errorf("wrapped: %w", &Error{Message: "x"}): 400,
		invalidEvent("x"):                               400,
		&BodyTooLargeError{Limit: 1}:                    413,
		ErrUnknownIntegration:                           401,
		fmt.Errorf("lookup: %w", ErrUnknownIntegration): 401,
		errors.New("database is locked"):                500,
		nil:                                             200,
		error((*PDError)(nil)):                          200,
	} {
		if got := StatusCode(err); got != want {
			t.Errorf("StatusCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestWritePagerDuty(t *testing.T) {
	var nilPDError *PDError
	tests := []struct {
		name     string
		dedupKey string
		err      error
		code     int
		body     string
	}{
		{"success", "k1", nil, 202, `{"status":"success","message":"Event processed","dedup_key":"k1"}`},
		{"nil *PDError is success", "k1", nilPDError, 202, `{"status":"success","message":"Event processed","dedup_key":"k1"}`},
		{"invalid event", "", invalidEvent("'payload.source' is missing or blank"), 400,
			`{"status":"invalid event","message":"Event object is invalid","errors":["'payload.source' is missing or blank"]}`},
		{"too large", "", &BodyTooLargeError{Limit: 1 << 20}, 413,
			`{"status":"invalid event","message":"Event object is invalid","errors":["request body is larger than the limit of 1048576 bytes"]}`},
		{"unreadable", "", &Error{Message: "could not read the request body: EOF"}, 400,
			`{"status":"invalid event","message":"Event object is invalid","errors":["could not read the request body: EOF"]}`},
		{"unknown routing key", "", ErrUnknownIntegration, 400,
			`{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key"]}`},
		{"store failure", "", errors.New("disk I/O error at /var/lib/warroom"), 500,
			`{"status":"internal error","message":"Event could not be processed; retry later"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WritePagerDuty(w, tt.dedupKey, tt.err)
			if w.Code != tt.code || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("got %d %s\nwant %d %s", w.Code, w.Body, tt.code, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestWriteWebhook(t *testing.T) {
	tests := []struct {
		name   string
		alerts []Alert
		err    error
		code   int
		body   string
	}{
		{"success", []Alert{{DedupKey: "a"}, {DedupKey: "b"}}, nil, 202, `{"status":"success","message":"Alerts processed","dedup_keys":["a","b"]}`},
		{"bad field", nil, &Error{Field: "[1].severity", Message: "bad"}, 400, `{"status":"error","message":"bad","field":"[1].severity"}`},
		{"malformed", nil, &Error{Message: "invalid JSON at line 1"}, 400, `{"status":"error","message":"invalid JSON at line 1"}`},
		{"too large", nil, &BodyTooLargeError{Limit: 5}, 413, `{"status":"error","message":"request body is larger than the limit of 5 bytes"}`},
		{"unknown integration", nil, ErrUnknownIntegration, 401, `{"status":"error","message":"no integration matches the integration key"}`},
		{"store failure", nil, errors.New("pq: password authentication failed"), 500, `{"status":"error","message":"alerts could not be processed; retry later"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteWebhook(w, tt.alerts, tt.err)
			if w.Code != tt.code || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("got %d %s\nwant %d %s", w.Code, w.Body, tt.code, tt.body)
			}
		})
	}
}
