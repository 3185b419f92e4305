package intake

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureDir holds what a real Alertmanager sent to a webhook receiver and
// to a PagerDuty Events v2 receiver (see its README.md).
const fixtureDir = "../testdata/alertmanager"

// testNow is the injected clock: just after the fixtures' events.
var testNow = time.Date(2026, 11, 22, 0, 10, 0, 0, time.UTC)

// fixture returns the bytes of one fixture file, failing the test clearly
// when the captured fixtures are missing.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("fixture %s missing: %v (the intake tests need the Alertmanager captures in testdata/alertmanager at %s, relative to the intake package)", name, err, fixtureDir)
	}
	return b
}

// fixtureBodies lists the NNN-<kind>.json fixtures in order; kind is
// "webhook" or "pagerduty-v2".
func fixtureBodies(t testing.TB, kind string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(fixtureDir, "[0-9][0-9][0-9]-"+kind+".json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no %s fixtures in %s (err %v): the intake tests need the Alertmanager captures in testdata/alertmanager", kind, fixtureDir, err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// fixtureRequest rebuilds the request Alertmanager sent: request line and
// headers from NNN-kind.headers, body from NNN-kind.json. The captured
// Content-Length is dropped: the .json files are re-indented, so it does not
// match their size.
func fixtureRequest(t testing.TB, jsonName, baseURL string) *http.Request {
	t.Helper()
	body := fixture(t, jsonName)
	head := fixture(t, strings.TrimSuffix(jsonName, ".json")+".headers")
	sc := bufio.NewScanner(bytes.NewReader(head))
	if !sc.Scan() {
		t.Fatalf("%s: empty headers file", jsonName)
	}
	method, target, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
	if !ok {
		t.Fatalf("%s: bad request line %q", jsonName, sc.Text())
	}
	var r *http.Request
	if baseURL == "" {
		r = httptest.NewRequest(method, target, bytes.NewReader(body))
	} else {
		var err error
		if r, err = http.NewRequest(method, baseURL+target, bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.EqualFold(k, "Content-Length") {
			continue
		}
		r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return r
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}
