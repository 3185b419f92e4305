package forwarded

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClient(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.0.2.7 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy in between: the header is a client's lie", "198.51.100.9:5000", []string{"203.0.113.1"}, "198.51.100.9"},
		{"one trusted proxy", "10.1.2.3:4000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"a client's forged entry left of the real one is ignored", "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.1"}, "203.0.113.1"},
		{"two trusted proxies", "192.0.2.7:4000", []string{"203.0.113.1, 10.9.9.9"}, "203.0.113.1"},
		{"several headers are one list", "10.1.2.3:4000", []string{"1.1.1.1", "203.0.113.1"}, "203.0.113.1"},
		{"an entry with a port", "10.1.2.3:4000", []string{"203.0.113.1:61000"}, "203.0.113.1"},
		{"IPv6 behind an IPv6 proxy", "[2001:db8::1]:443", []string{"2001:db8:ffff::1, 2a00::5"}, "2a00::5"},
		{"garbage stops at the last trusted hop", "10.1.2.3:4000", []string{"203.0.113.1, garbage, 10.0.0.5"}, "10.0.0.5"},
		{"no header from a trusted proxy", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"every entry trusted", "10.1.2.3:4000", []string{"10.0.0.1"}, "10.0.0.1"},
		{"an IPv4-mapped peer", "[::ffff:10.1.2.3]:4000", []string{"203.0.113.1"}, "203.0.113.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := proxies.Client(r).String(); got != c.want {
			t.Errorf("%s: client %s, want %s", c.name, got, c.want)
		}
	}
}

func TestNoProxiesIgnoresTheHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.1")
	if got := Proxies(nil).Client(r).String(); got != "10.1.2.3" {
		t.Errorf("client %s", got)
	}
}

func TestHandlerRewritesRemoteAddr(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	var seen string
	h := proxies.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "203.0.113.1:0" {
		t.Errorf("RemoteAddr %q", seen)
	}
}

func TestParseProxiesRefusesGarbage(t *testing.T) {
	for _, s := range []string{"10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := ParseProxies(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	p, err := ParseProxies("10.1.2.3/8,::1")
	if err != nil || p.String() != "10.0.0.0/8,::1/128" {
		t.Errorf("%v %v", p, err)
	}
}
