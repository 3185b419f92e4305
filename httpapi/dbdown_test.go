package httpapi

import (
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/warroom/warroom"
)

// tcpProxy forwards connections to a server until it is cut: then it
// stops listening and drops every connection, as a database host that
// went away.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			if p.cut {
				_, _ = c.Close(), s.Close()
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
	t.Cleanup(p.cutOff)
	return p
}

// cutOff makes the database unreachable: nothing listens on the proxy's
// port any more, and every open connection is dropped.
func (p *tcpProxy) cutOff() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	_ = p.ln.Close()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// TestDatabaseDownAnswers503: while a real PostgreSQL database cannot be
// reached, every route that needs it answers 503 with Retry-After, the
// authenticated API routes (whose token lookup fails first) as intake
// does, never 500; the liveness probe and the OpenAPI document, which
// need no database, still answer 200.
func TestDatabaseDownAnswers503(t *testing.T) {
	dsn := acceptancePostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	p := newPagingEnvOnDSN(t, u.String())
	inc := p.declare("ada", "db down", false)
	samples := map[string]string{"incident": inc.Ref, "user": "ada", "team": "sre", "service": "checkout", "seq": "1"}
	maps.Copy(samples, pagingSamples(t, p.env))

	proxy.cutOff()

	for _, rt := range p.api.routes() {
		path := pathParam.ReplaceAllStringFunc(rt.Path, func(s string) string {
			if v, ok := samples[strings.Trim(s, "{}")]; ok {
				return v
			}
			return "x" // the token lookup fails before it is looked at
		})
		var body any
		if rt.Method != "GET" && rt.Method != "DELETE" {
			body = "{}"
		}
		switch rt.Path {
		case "/v2/enqueue":
			body = `{"routing_key":"` + pdKey + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`
		case "/webhook/{key}", "/api/v1/integrations/alertmanager/{key}":
			path = strings.Replace(path, "sample-key", amKey, 1)
			body = `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","fingerprint":"f","labels":{"a":"b"}}]}`
		case "/api/v1/integrations/webhook/{key}":
			path = strings.Replace(path, "sample-key", genericKey, 1)
			body = `{"dedup_key":"k","title":"t"}`
		}
		who := "root"
		if rt.Access == public {
			who = ""
		}
		r := p.do(who, rt.Method, path, body)
		name := rt.Method + " " + rt.Path
		if rt.Path == "/healthz" || rt.Path == "/api/v1/openapi.json" {
			if r.Status != 200 {
				t.Errorf("%s: %s, want 200: it needs no database", name, truncate(r))
			}
			continue
		}
		if r.Status != 503 || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: %s (Retry-After %q), want 503 with Retry-After", name, truncate(r), r.Header.Get("Retry-After"))
			continue
		}
		if _, sender := senderFormats[name]; sender {
			continue
		}
		if strings.HasPrefix(rt.Path, "/api/v1/chat/") {
			continue // no chat system configured here: refused (503) before the database
		}
		var e struct{ Error warroom.Error }
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code != warroom.EUnavailable || !strings.Contains(e.Error.Message, "retry later") && name != "GET /readyz" {
			t.Errorf("%s: %s, want the error unavailable", name, truncate(r))
		}
	}
}
